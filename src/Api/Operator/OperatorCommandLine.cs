using System.CommandLine;
using EventSourced.Cli;

namespace EventSourced.Api.Operator;

/// <summary>
/// The operator command line of the API host: `dotnet run --project src/Api -- keys mint ...`.
/// Without one of its verbs, the host serves HTTP.
/// </summary>
public static class OperatorCommandLine
{
    private static readonly string[] Verbs = ["keys", "projections", "streams", "audit", "deliveries", "tickets", "subjects"];

    public static bool IsOperatorCommand(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <param name="settings">Configuration over appsettings.json and the environment (tests pass their database here).</param>
    /// <param name="output">Where results go; the console when null.</param>
    public static Task<int> RunAsync(
        string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null, TextWriter? output = null, CancellationToken ct = default)
    {
        Func<ServiceProvider> services = () => OperatorServices.Create(settings ?? []);
        var root = new RootCommand("EventSourced operator tooling")
        {
            KeysCommand.Create(services), ProjectionsCommand.Create(services), StreamsCommand.Create(services), AuditCommand.Create(services), DeliveriesCommand.Create(services), TicketsCommand.Create(services), SubjectsCommand.Create(services),
        };
        var invocation = new InvocationConfiguration { Output = output ?? Console.Out, Error = output ?? Console.Error, EnableDefaultExceptionHandler = false };
        var parse = root.Parse(args);
        return UsageProblems.IsBadUsage(parse)
            ? Task.FromResult(UsageProblems.Report(parse, invocation.Error))
            : InvokeAsync(parse, invocation, ct);
    }

    private static async Task<int> InvokeAsync(ParseResult parse, InvocationConfiguration invocation, CancellationToken ct)
    {
        try
        {
            return await parse.InvokeAsync(invocation, ct);
        }
        catch (OperationCanceledException e) when (e.InnerException is not TimeoutException)
        {
            // Stopped by Ctrl+C (a timed-out request is a failure, told below); 130 as shells count an interrupt.
            await invocation.Error.WriteLineAsync("Stopped.");
            return 130;
        }
        catch (Exception e)
        {
            // What the parser's own handler would print, unless it is the database's failure.
            await invocation.Error.WriteLineAsync(DatabaseProblems.Explain(e) ?? $"Unhandled exception: {e}");
            return 1;
        }
    }
}
