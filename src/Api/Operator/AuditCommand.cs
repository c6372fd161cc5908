using System.CommandLine;
using EventSourced.Application.Audit;
using EventSourced.Cli;

namespace EventSourced.Api.Operator;

/// <summary>`audit --type ... --actor ...`: the same search over $all as GET /api/audit, page by page with --after.</summary>
public static class AuditCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var type = new Option<string?>("--type") { Description = "Event type, for example contact_added" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Recorded at or after (ISO 8601)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Recorded at or before (ISO 8601)" };
        var correlation = new Option<string?>("--correlation-id") { Description = "The request's correlation id" };
        var actor = new Option<string?>("--actor") { Description = "Who caused the event" };
        var after = new Option<long>("--after") { Description = "Continue after this position (the cursor printed last)", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "How many events at most", DefaultValueFactory = _ => 100 };
        var audit = new Command("audit", "Search every stream's events as JSON lines; prints the cursor for the next page last")
        {
            type, from, to, correlation, actor, after, count,
        };
        audit.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var filter = new AuditFilter(parse.GetValue(type), parse.GetValue(from), parse.GetValue(to), parse.GetValue(correlation), parse.GetValue(actor));
            var queries = provider.GetRequiredService<AuditQueries>();
            if (await queries.UnknownTypeAsync(filter.Type, ct) is { } unknownType)
            {
                parse.InvocationConfiguration.Error.WriteLine($"--type: {unknownType}");
                return UsageProblems.ExitCode;
            }

            var page = await queries.SearchAsync(filter, parse.GetValue(after), parse.GetValue(count), ct);
            JsonLines.WriteEvents(parse.InvocationConfiguration.Output, page.Events);
            // The cursor goes to stderr so that stdout stays pure JSON lines.
            parse.InvocationConfiguration.Error.WriteLine(page.Next is { } next ? $"next: --after {next}" : "end");
            return 0;
        });
        return audit;
    }
}
