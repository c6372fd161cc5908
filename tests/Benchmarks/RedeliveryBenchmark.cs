using System.Diagnostics;
using EventSourced.Api.Deliveries;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// An operator's redelivery after a messenger's outage: every owner's deliveries that failed on
/// it, in one call (`FailedQueue`, as the API and the operator command line run it), one message
/// each. The baseline is a raw append of the same event to as many streams, in the same run.
/// </summary>
internal static class RedeliveryBenchmark
{
    private const int Owners = 50;
    // As many appends in flight as the failed queue has (DeliveryCommands).
    private const int MessagesAtOnce = 8;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, int failed, int rounds)
    {
        var registry = EventCatalog.Create();
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        await using var messagesReadModel = new BackgroundProjection(new MessagesProjection(), dataSource, store, registry);
        var handler = new CommandHandler(store, registry, new FoldedStates(), StateSnapshots.Off);
        var messages = await ScheduleAsync(handler, failed);
        Console.WriteLine($"{failed} deliveries of {Owners} owners, one a message, failed on Viber; {rounds} rounds");

        var context = new CommandContext("operator", Guid.NewGuid().ToString(), null);
        var (ours, raw) = (new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            await FailAllAsync(dataSource, store, registry, messages);
            // The node that redelivers holds none of these messages in memory: each is read, then appended to.
            var queue = new FailedQueue(new MessageQueries(dataSource), new CommandHandler(store, registry, new FoldedStates(), StateSnapshots.Off), TimeProvider.System);
            var watch = Stopwatch.StartNew();
            var result = await queue.RedeliverAsync(new FailedDeliveryFilter(null, "viber"), null, context, CancellationToken.None);
            ours.Add(watch.Elapsed.TotalSeconds);
            if (result.Done.Count != failed)
            {
                throw new InvalidOperationException($"Redelivered {result.Done.Count} of {failed}.");
            }

            raw.Add(await RawAppendsAsync(store, registry, messages, round));
            Console.WriteLine($"round {round + 1}: redelivery {failed / ours[^1]:F0} deliveries/s, raw appends {failed / raw[^1]:F0}/s ({ours[^1] / raw[^1]:F2}x the raw time)");
        }

        var (median, rawMedian) = (ours.Order().ElementAt(rounds / 2), raw.Order().ElementAt(rounds / 2));
        Console.WriteLine($"median: {failed} redelivered in {median:F1} s ({failed / median:F0}/s); raw appends {failed / rawMedian:F0}/s; {median / rawMedian:F2}x the raw time");
    }

    private static async Task<List<(Guid Message, Guid Delivery)>> ScheduleAsync(CommandHandler handler, int count)
    {
        var context = new CommandContext("bench", Guid.NewGuid().ToString(), null);
        var messages = new List<(Guid, Guid)>();
        for (var m = 0; m < count; m++)
        {
            var id = Guid.NewGuid();
            var recipient = new Recipient(Guid.NewGuid(), $"Contact {m}", new MessengerIds(null, null, $"viber-{m}"));
            var result = await handler.HandleAsync(
                Message.Decider, Message.StreamId(id), new ScheduleMessage(id, $"owner-{m % Owners}", "Doors open at 18:00", null, [recipient], "bench", DateTimeOffset.UtcNow),
                context, assumeEmpty: true);
            messages.Add((id, result.State.Deliveries[0].DeliveryId));
        }

        return messages;
    }

    /// <summary>Each delivery attempted and given up, as the saga records it, and the failed queue caught up with them (not timed).</summary>
    private static async Task FailAllAsync(NpgsqlDataSource dataSource, IEventStore store, EventTypeRegistry registry, List<(Guid Message, Guid Delivery)> messages)
    {
        long head = 0;
        foreach (var (message, delivery) in messages)
        {
            var now = DateTimeOffset.UtcNow;
            IMessageEvent[] failure = [new DeliveryAttempted(message, delivery, 1, now), new DeliveryFailed(message, delivery, 1, "503 Service Unavailable", false, now)];
            head = (await store.AppendAsync(Message.StreamId(message), ExpectedVersion.Any, [.. failure.Select(e => registry.ToEventData(e, Guid.NewGuid(), EventMetadata.Empty))])).Position;
        }

        var progress = new ProjectionProgress(dataSource);
        if (!await progress.WaitForAsync("messages", head, TimeSpan.FromMinutes(5), CancellationToken.None))
        {
            throw new TimeoutException("The messages read model did not catch up with the failures.");
        }
    }

    /// <summary>The same event a redelivery appends, appended raw to a stream of its own (the messages' streams are left as they are), as many at once.</summary>
    private static async Task<double> RawAppendsAsync(IEventStore store, EventTypeRegistry registry, List<(Guid Message, Guid Delivery)> messages, int round)
    {
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = MessagesAtOnce }, async (m, ct) =>
        {
            var requested = new DeliveryRedeliveryRequested(m.Message, m.Delivery, "operator", DateTimeOffset.UtcNow);
            await store.AppendAsync($"raw{round}-{m.Message}", ExpectedVersion.Any, [registry.ToEventData(requested, Guid.NewGuid(), EventMetadata.Empty)], ct);
        });

        return watch.Elapsed.TotalSeconds;
    }
}
