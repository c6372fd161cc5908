using System.Diagnostics;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Conversations;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Projections.Contacts;
using EventSourced.Projections.Conversations;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// Rebuild of the contacts and the conversations read models, each from N generated events,
/// against a raw sequential read of the same events through the store, in one run on one database.
/// </summary>
internal static class RebuildBenchmark
{
    private const int ContactsPerBook = 1000;
    private const int MessagesPerConversation = 19;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, int total)
    {
        var registry = EventCatalog.Create();
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);

        await GenerateAsync(store, registry, "contacts", total / ContactsPerBook, owner =>
        {
            var at = DateTimeOffset.UtcNow;
            return (ContactBook.StreamId($"owner{owner}"), Enumerable.Range(0, ContactsPerBook)
                .Select(i => (object)new ContactAdded(Guid.CreateVersion7(), $"owner{owner}", $"Contact {i}", $"@contact_{i:D5}", null, null, $"owner{owner}", at))
                .ToList());
        });
        await GenerateAsync(store, registry, "conversation", total / (MessagesPerConversation + 1), _ =>
        {
            var at = DateTimeOffset.UtcNow;
            var id = Guid.CreateVersion7();
            var visitor = $"guest-{id:N}";
            var events = new List<object> { new ConversationOpened(id, visitor, "mia", visitor, at) };
            events.AddRange(Enumerable.Range(0, MessagesPerConversation).Select(i => new ChatMessagePosted(
                id, Guid.CreateVersion7(), i % 2 == 0 ? visitor : "mia", i % 2 == 0 ? ChatRole.Visitor : ChatRole.Manager, $"Message {i} about the concert", at)));
            return (Conversation.StreamId(id), events);
        });

        // A store in production is vacuumed: hint bits and statistics are set before anything is timed.
        await using (var vacuum = dataSource.CreateCommand("VACUUM (ANALYZE) es.events"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        await CompareAsync(dataSource, store, registry, new ContactsProjection());
        await CompareAsync(dataSource, store, registry, new ConversationsProjection());
    }

    // Whole streams in one append each, several at a time: generating is not what is measured.
    private static async Task GenerateAsync(PostgresEventStore store, EventTypeRegistry registry, string category, int streams, Func<int, (string Stream, List<object> Events)> stream)
    {
        var clock = Stopwatch.StartNew();
        var count = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, streams), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, ct) =>
        {
            var (id, events) = stream(n);
            await store.AppendAsync(id, ExpectedVersion.NoStream, events.Select(e => registry.ToEventData(e, Guid.CreateVersion7(), EventMetadata.Empty)).ToList(), ct);
            Interlocked.Add(ref count, events.Count);
        });
        Console.WriteLine($"generated {count:N0} {category} events in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task CompareAsync(NpgsqlDataSource dataSource, PostgresEventStore store, EventTypeRegistry registry, IProjection projection)
    {
        var read = Stopwatch.StartNew();
        long count = 0, after = 0, last = 0;
        while (true)
        {
            var page = await store.ReadAllAsync(after, 5000, projection.Filter);
            count += page.Events.Count;
            after = page.LastPosition;
            last = page.Events.Count > 0 ? page.Events[^1].Position : last;
            if (page.IsEnd && page.Events.Count < 5000)
            {
                break;
            }
        }

        var rawRate = count / read.Elapsed.TotalSeconds;
        var progress = new ProjectionProgress(dataSource);
        var runner = new ProjectionRunner(projection, dataSource, store, registry, new ProjectionOptions(), progress, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var rebuild = Stopwatch.StartNew();
        var running = Task.Run(() => runner.RunAsync(stop.Token));
        // The last event's position: a page's LastPosition may lie past it (a filtered read skips ahead).
        while (!await progress.WaitForAsync(projection.Name, last, TimeSpan.FromSeconds(5), CancellationToken.None))
        {
        }

        var rebuildRate = count / rebuild.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await running;
        Console.WriteLine($"{projection.Name,-14} raw read {rawRate,9:N0} ev/s; rebuild {count:N0} events in {rebuild.Elapsed.TotalSeconds:F1} s = {rebuildRate,9:N0} ev/s; " +
            $"ratio {rebuildRate / rawRate:F2} (goal >= 0.30); >= 100,000 ev/s: {(rebuildRate >= 100_000 ? "met" : "NOT met")}");
    }
}
