using System.CommandLine;
using System.Globalization;

namespace EventSourced.Cli;

/// <summary>`failed list|redeliver|discard`: deliveries that gave up after their retries.</summary>
public static class FailedCommand
{
    public static Command Create(CliApp.Runner run)
    {
        var minPosition = ContactsCommand.MinPosition();
        var limit = new Option<int>("--limit") { Description = "At most this many (1 to 1000)", DefaultValueFactory = _ => MaxPage };
        var offset = new Option<int>("--offset") { Description = "After skipping this many" };
        var after = new Option<Guid?>("--after") { Description = "After this delivery, the last one listed (with --after-failed-at): the next page, which deliveries sent again meanwhile do not shift" };
        var afterFailedAt = new Option<DateTimeOffset?>("--after-failed-at") { Description = "When the delivery named by --after failed" };
        var list = new Command("list", "Your failed deliveries, oldest failure first") { limit, offset, after, afterFailedAt, minPosition };
        list.SetAction(run.Action((parse, api, output, ct) =>
        {
            var cursor = (parse.GetValue(after), parse.GetValue(afterFailedAt)) switch
            {
                ({ } id, { } failedAt) => $"&afterId={id}&afterFailedAt={Uri.EscapeDataString(failedAt.ToString("O", CultureInfo.InvariantCulture))}",
                (null, null) => "",
                _ => throw new CliException(ExitCodes.Usage, "--after and --after-failed-at go together: the delivery and failed-at of the last one listed."),
            };
            return ListAsync(api, output, parse.GetValue(limit), $"&offset={parse.GetValue(offset)}{cursor}{ContactsCommand.At(parse, minPosition)}", ct);
        }));

        var failed = new Command("failed", "Deliveries that gave up: list, redeliver, discard; alone, the list")
        {
            list,
            Act(run, "redeliver", "Send failed deliveries again, with their attempts reset"),
            Act(run, "discard", "Drop failed deliveries for good"),
        };
        failed.SetAction(run.Action((_, api, output, ct) => ListAsync(api, output, MaxPage, "", ct)));
        return failed;
    }

    private const int MaxPage = 1000;

    /// <param name="query">The rest of the query: which page, read-your-writes.</param>
    private static async Task ListAsync(ApiClient api, Output output, int limit, string query, CancellationToken ct)
    {
        var answer = await api.GetAsync($"/api/deliveries/failed?limit={limit}{query}", ct);
        output.Table(answer, answer.EnumerateArray(),
            ("Delivery", d => d.Str("deliveryId")), ("Contact", d => d.Str("contactName")), ("Channel", d => d.Str("channel")), ("Text", d => d.Str("text")),
            ("Attempts", d => d.Str("attempts")), ("Last error", d => d.Str("lastError")), ("Failed at", d => d.Str("failedAt")));
        // A full page may not be all of them: say how to see the rest rather than let it pass for the whole queue.
        if (answer.GetArrayLength() == limit)
        {
            var last = answer[limit - 1];
            output.Line($"{limit} shown; more may follow: failed list --after {last.Str("deliveryId")} --after-failed-at {last.Str("failedAt")}");
        }
    }

    private static Command Act(CliApp.Runner run, string action, string description)
    {
        var ids = new Option<Guid[]>("--delivery") { Description = "A delivery id (repeat for more)", AllowMultipleArgumentsPerToken = true }.IdsOnly();
        var all = new Option<bool>("--all") { Description = "Every failed delivery of yours" };
        var command = new Command(action, description) { ids, all };
        command.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var chosen = parse.GetValue(ids) ?? [];
            if (parse.GetValue(all) == (chosen.Length > 0))
            {
                throw new CliException(ExitCodes.Usage, "Name deliveries with --delivery, or use --all (not both).");
            }

            var body = parse.GetValue(all) ? (object)new { all = true } : new { deliveryIds = chosen };
            var result = await api.BulkPostAsync($"/api/deliveries/failed/{action}", body, ct);
            output.Done(result, $"{action}: {result.GetProperty("done").GetArrayLength()} done, {result.GetProperty("notFailed").GetArrayLength()} not in your failed queue.");
        }));
        return command;
    }
}
