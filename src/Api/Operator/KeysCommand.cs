using System.CommandLine;
using System.Security.Cryptography;
using EventSourced.Api.Auth;

namespace EventSourced.Api.Operator;

/// <summary>
/// `keys mint`: makes a new API key and prints the configuration that accepts it.
/// `keys visitor-token --visitor ID`: a visitor token signed with the configured shared key, as a site's backend mints them.
/// </summary>
public static class KeysCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var subject = new Option<string>("--subject") { Description = "User id or source name the key authenticates", Required = true };
        var roles = new Option<string[]>("--role") { Description = $"One or more of: {string.Join(", ", Roles.All)}", Required = true, AllowMultipleArgumentsPerToken = true };
        var sources = new Option<string[]>("--source") { Description = "For a source key: the deploy sources (api, qloud, http) or ticket application ids it may report for; default its subject", AllowMultipleArgumentsPerToken = true };
        var mint = new Command("mint", "Mint an API key; only its hash goes into configuration") { subject, roles, sources };
        mint.SetAction(parse =>
        {
            var chosen = parse.GetValue(roles)!;
            var unknown = chosen.Except(Roles.All).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"Unknown role(s): {string.Join(", ", unknown)}. Use: {string.Join(", ", Roles.All)}.");
                return 2;
            }

            var key = "es_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var hash = ApiKeyAuthenticationHandler.HashOf(key);
            Console.WriteLine($"key:  {key}");
            Console.WriteLine($"hash: {hash}");
            Console.WriteLine("Add to configuration (appsettings.json, section Auth:ApiKeys):");
            var reportsFor = parse.GetValue(sources) is { Length: > 0 } named ? $$""", "Sources": [{{Quoted(named)}}]""" : "";
            Console.WriteLine($$"""  { "Hash": "{{hash}}", "Subject": "{{parse.GetValue(subject)}}", "Roles": [{{Quoted(chosen)}}]{{reportsFor}} }""");
            return 0;
        });
        return new Command("keys", "API keys and visitor tokens") { mint, VisitorToken(services) };
    }

    private static Command VisitorToken(Func<ServiceProvider> services)
    {
        var visitor = new Option<string>("--visitor") { Description = "The site's visitor id", Required = true };
        var command = new Command("visitor-token", "A visitor token signed with Chat:VisitorTokens:SigningKey, for trying the chat as a visitor") { visitor };
        command.SetAction(parse =>
        {
            using var provider = services();
            var options = provider.GetRequiredService<IConfiguration>().GetSection("Chat:VisitorTokens").Get<VisitorTokenOptions>() ?? new VisitorTokenOptions();
            if (!options.Configured)
            {
                parse.InvocationConfiguration.Error.WriteLine("Set Chat:VisitorTokens:SigningKey (at least 32 bytes) first.");
                return 2;
            }

            var (token, expiresAt) = new VisitorTokens(options, TimeProvider.System).Mint(parse.GetValue(visitor)!);
            parse.InvocationConfiguration.Output.WriteLine(token);
            parse.InvocationConfiguration.Error.WriteLine($"valid until {expiresAt:O}");
            return 0;
        });
        return command;
    }

    private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));
}
