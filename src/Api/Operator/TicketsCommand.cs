using System.CommandLine;
using EventSourced.Infrastructure.Tickets.Kafka;

namespace EventSourced.Api.Operator;

/// <summary>`tickets dead-letters list|replay|discard`: the seller's records that could not be applied, as the REST endpoints offer them.</summary>
public static class TicketsCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "Dead letters as JSON lines: topic, partition, offset, key, headers, body (base64), reason") { limit };
        list.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            JsonLines.Write(parse.InvocationConfiguration.Output, await provider.GetRequiredService<IngestDeadLetters>().ListAsync(parse.GetValue(limit), ct));
            return 0;
        });

        var replayId = new Argument<long>("id") { Description = "The dead letter's id" };
        var replay = new Command("replay", "Apply a dead letter again, after a fix; applied, it leaves the list") { replayId };
        replay.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var result = await provider.GetRequiredService<DeadLetterReplay>().ReplayAsync(parse.GetValue(replayId), ct);
            return Report(parse, result.Found, result.Applied is { } applied ? $"replayed: {applied.Status.ToString().ToLowerInvariant()}" : null, result.Reason);
        });

        var discardId = new Argument<long>("id") { Description = "The dead letter's id" };
        var discard = new Command("discard", "Drop a dead letter for good") { discardId };
        discard.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var found = await provider.GetRequiredService<IngestDeadLetters>().RemoveAsync(parse.GetValue(discardId), ct);
            return Report(parse, found, "discarded", null);
        });

        return new Command("tickets", "The seller's records") { new Command("dead-letters", "Records that could not be applied: list, replay, discard") { list, replay, discard } };
    }

    // Exit codes for scripts: 0 done, 3 no such dead letter, 4 it still cannot be applied.
    private static int Report(ParseResult parse, bool found, string? done, string? reason)
    {
        if (!found)
        {
            parse.InvocationConfiguration.Error.WriteLine("No such dead letter.");
            return 3;
        }

        if (done is null)
        {
            parse.InvocationConfiguration.Error.WriteLine($"Still cannot be applied: {reason}");
            return 4;
        }

        parse.InvocationConfiguration.Output.WriteLine(done);
        return 0;
    }
}
