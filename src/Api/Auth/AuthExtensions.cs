using Microsoft.AspNetCore.Authorization;

namespace EventSourced.Api.Auth;

public static class AuthExtensions
{
    /// <summary>Visitors (users), managers, and operators acting as moderators.</summary>
    public const string ChatParticipant = "chat-participant";

    /// <summary>A source the caller's key may report for (<see cref="ApiKeyEntry.Sources"/>).</summary>
    public const string SourceClaim = "eventsourced:source";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiKeyOptions>(configuration.GetSection("Auth"));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            // Every endpoint needs a known key unless it says otherwise.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.User, p => p.RequireRole(Roles.User))
            .AddPolicy(Roles.Operator, p => p.RequireRole(Roles.Operator))
            .AddPolicy(ChatParticipant, p => p.RequireRole(Roles.User, Roles.Manager, Roles.Operator))
            .AddPolicy(Roles.DeploySource, p => p.RequireRole(Roles.DeploySource))
            .AddPolicy(Roles.TicketSource, p => p.RequireRole(Roles.TicketSource));
        return services;
    }

    /// <summary>Whether the caller's key may report for this deploy source or ticket application.</summary>
    public static bool MayReportFor(this HttpContext context, string source) => context.User.HasClaim(SourceClaim, source);

    /// <summary>The authenticated subject: the owner of everything a user creates.</summary>
    public static string Subject(this HttpContext context) =>
        context.User.Identity?.Name ?? throw new InvalidOperationException("An authenticated subject is required here.");
}
