using System.CommandLine;

namespace EventSourced.Cli;

/// <summary>
/// `eventsourced contacts|groups|send|messages|failed ...`: the users' command line over the REST API.
/// Global options: --url, --key, --config (see <see cref="CliSettings"/>) and --json.
/// </summary>
public static class CliApp
{
    private static readonly Option<string?> Url = new("--url") { Description = $"The API's base URL (EVENTSOURCED_URL; default {CliSettings.DefaultUrl})", Recursive = true };
    private static readonly Option<string?> Key = new("--key") { Description = "Your API key (EVENTSOURCED_API_KEY)", Recursive = true };
    private static readonly Option<string?> Config = new("--config") { Description = "A JSON file with url and apiKey (EVENTSOURCED_CONFIG; default ~/.config/eventsourced/cli.json)", Recursive = true };
    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the API's JSON instead of tables", Recursive = true };

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken ct = default)
    {
        var run = new Runner(output, error, environment);
        var root = new RootCommand("EventSourced: your contacts and their groups, messages and failed deliveries")
        {
            ContactsCommand.Create(run), GroupsCommand.Create(run), SendCommand.Create(run), MessagesCommand.Create(run), FailedCommand.Create(run),
        };
        root.Options.Add(Url);
        root.Options.Add(Key);
        root.Options.Add(Config);
        root.Options.Add(AsJson);
        // No response files: "@name" is a Telegram handle here, not a file of arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (UsageProblems.IsBadUsage(parse))
        {
            return Task.FromResult(UsageProblems.Report(parse, error));
        }

        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
    }

    /// <summary>Runs a command's work with the API client and output it asks for, and turns failures into exit codes.</summary>
    public sealed class Runner(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        public Func<ParseResult, CancellationToken, Task<int>> Action(Func<ParseResult, ApiClient, Output, CancellationToken, Task> work) => async (parse, ct) =>
        {
            try
            {
                using var api = ApiClient.For(CliSettings.Resolve(parse.GetValue(Url), parse.GetValue(Key), parse.GetValue(Config), environment));
                await work(parse, api, new Output(output, parse.GetValue(AsJson)), ct);
                return ExitCodes.Ok;
            }
            catch (CliException e)
            {
                await error.WriteLineAsync(e.Message);
                return e.ExitCode;
            }
        };
    }
}
