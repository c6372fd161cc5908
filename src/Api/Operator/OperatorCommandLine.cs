using System.CommandLine;

namespace EventSourced.Api.Operator;

/// <summary>
/// The operator command line of the API host: `dotnet run --project src/Api -- keys mint ...`.
/// Without one of its verbs, the host serves HTTP.
/// </summary>
public static class OperatorCommandLine
{
    private static readonly RootCommand Root = new("EventSourced operator tooling") { KeysCommand.Create(), ProjectionsCommand.Create() };

    public static bool IsOperatorCommand(string[] args) =>
        args.Length > 0 && Root.Subcommands.Any(c => c.Name == args[0]);

    public static Task<int> RunAsync(string[] args) => Root.Parse(args).InvokeAsync();
}
