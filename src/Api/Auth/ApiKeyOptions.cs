namespace EventSourced.Api.Auth;

/// <summary>
/// The API keys the service accepts, from configuration section Auth:ApiKeys. Only SHA-256
/// hashes are configured, so a leaked configuration file leaks no usable key.
/// </summary>
public sealed class ApiKeyOptions
{
    public List<ApiKeyEntry> ApiKeys { get; init; } = [];
}

/// <param name="Hash">Lower-case hex SHA-256 of the key.</param>
/// <param name="Subject">The identity the key authenticates: a user id (the owner of what it creates) or a source name.</param>
/// <param name="Roles">user, operator, deploy-source, ticket-source.</param>
/// <param name="Sources">
/// What a source key may report for: deploy sources (api, qloud, http) for a deploy-source,
/// application ids for a ticket-source. Absent, only its own subject: a leaked hook key cannot
/// speak for another hook or application.
/// </param>
public sealed record ApiKeyEntry(string Hash, string Subject, string[] Roles, string[]? Sources = null);
