using System.CommandLine;
using System.Security.Cryptography;
using EventSourced.Api.Auth;

namespace EventSourced.Api.Operator;

/// <summary>`keys mint`: makes a new API key and prints the configuration that accepts it.</summary>
public static class KeysCommand
{
    public static Command Create()
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
        return new Command("keys", "API keys") { mint };
    }

    private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));
}
