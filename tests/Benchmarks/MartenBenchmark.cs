using System.Diagnostics;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Projections.Conversations;
using EventSourced.Projections.Conversations.Marten;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// The conversations read model in SQL tables against its Marten port (ADR 0028), in one run on
/// one database: rebuild rates in alternating rounds, then the conversation queries' latencies
/// in alternating blocks. Goals: Marten's rebuild >= 0.8 x ours, its query p99 <= 1.25 x ours.
/// </summary>
internal static class MartenBenchmark
{
    private const int Managers = 50;
    private const int MessagesPerConversation = 19;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, int conversations, int rounds, int queries)
    {
        var registry = EventCatalog.Create();
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        var ids = new Guid[conversations];
        await RebuildBenchmark.GenerateAsync(store, registry, "conversation", conversations, n => (Conversation.StreamId(ids[n] = Guid.CreateVersion7()), History(ids[n], n)));
        await using (var vacuum = dataSource.CreateCommand("VACUUM (ANALYZE) es.events"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        await using var lastPosition = dataSource.CreateCommand("SELECT max(position) FROM es.events");
        var last = (long)(await lastPosition.ExecuteScalarAsync())!;

        using var marten = new MartenConversationsProjection(dataSource);
        await using var ours = Running.Start(new ConversationsProjection(), dataSource, store, registry);
        await using var theirs = Running.Start(marten, dataSource, store, registry);
        var events = conversations * (MessagesPerConversation + 3);
        // The first builds run side by side, untimed: rebuilds start from served generations.
        await ours.CaughtUpAsync(last);
        await theirs.CaughtUpAsync(last);

        Console.WriteLine($"Rebuild of {events:N0} conversation events, {rounds} rounds, order alternating; medians shown.");
        var ourRates = new List<double>();
        var martenRates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (side, rates) in round % 2 == 0 ? [(ours, ourRates), (theirs, martenRates)] : new[] { (theirs, martenRates), (ours, ourRates) })
            {
                rates.Add(events / (await side.RebuildAsync()).TotalSeconds);
            }
        }

        var rebuildRatio = AppendLoad.Median(martenRates.Zip(ourRates, (m, o) => m / o));
        Console.WriteLine($"rebuild ev/s: ours {AppendLoad.Median(ourRates):N0}, Marten {AppendLoad.Median(martenRates):N0}; ratio {rebuildRatio:F2} (goal >= 0.80: {(rebuildRatio >= 0.8 ? "met" : "NOT met")})");

        var sql = new ConversationQueries(dataSource);
        using var documents = new MartenConversationQueries(dataSource);
        Console.WriteLine($"Queries: {queries} of each kind per side after 50 warm-up ones, in alternating blocks of 50; milliseconds.");
        Console.WriteLine($"{"query",-34}{"ours p50",10}{"p99",8}{"Marten p50",12}{"p99",8}{"p99 ratio",11}");
        var random = new Random(7);
        var worst = 0.0;
        foreach (var (name, ourQuery, martenQuery) in new (string, Func<int, Task>, Func<int, Task>)[]
        {
            ("manager's list with unread counts", n => sql.ListAsync(Manager(n), true, null, null, null, default), n => documents.ListAsync(Manager(n), true, null, null, null, default)),
            ("visitor's list with unread counts", n => sql.ListAsync(Visitor(ids[n]), true, null, null, null, default), n => documents.ListAsync(Visitor(ids[n]), true, null, null, null, default)),
            ("history, latest page of 10", n => sql.MessagesAsync(ids[n], Visitor(ids[n]), 10, null, null, default), n => documents.MessagesAsync(ids[n], Visitor(ids[n]), 10, null, null, default)),
            ("history, page before a message", n => OlderAsync(sql.MessagesAsync, ids[n]), n => OlderAsync(documents.MessagesAsync, ids[n])),
        })
        {
            var (ourTimes, martenTimes) = (new List<double>(), new List<double>());
            for (var block = -1; block < queries / 50; block++)
            {
                var picks = Enumerable.Range(0, 50).Select(_ => random.Next(conversations)).ToList();
                await TimeAsync(ourQuery, picks, block < 0 ? [] : ourTimes);
                await TimeAsync(martenQuery, picks, block < 0 ? [] : martenTimes);
            }

            var ratio = Percentile(martenTimes, 0.99) / Percentile(ourTimes, 0.99);
            worst = Math.Max(worst, ratio);
            Console.WriteLine($"{name,-34}{Percentile(ourTimes, 0.5),10:F2}{Percentile(ourTimes, 0.99),8:F2}{Percentile(martenTimes, 0.5),12:F2}{Percentile(martenTimes, 0.99),8:F2}{ratio,11:F2}");
        }

        Console.WriteLine($"worst p99 ratio {worst:F2} (goal <= 1.25: {(worst <= 1.25 ? "met" : "NOT met")})");
    }

    // Opened, 19 messages taking turns, and both sides' read marks part-way: unread counts are not all zero.
    private static List<object> History(Guid id, int n)
    {
        var at = DateTimeOffset.UtcNow;
        var (visitor, manager) = (Visitor(id), Manager(n));
        var messages = Enumerable.Range(0, MessagesPerConversation).Select(i => new ChatMessagePosted(
            id, Guid.CreateVersion7(), i % 2 == 0 ? visitor : manager, i % 2 == 0 ? ChatRole.Visitor : ChatRole.Manager, $"Message {i} about the concert", at.AddSeconds(i))).ToList();
        return [new ConversationOpened(id, visitor, manager, visitor, at), .. messages, new ChatMessagesRead(id, manager, messages[9].MessageId, at), new ChatMessagesRead(id, visitor, messages[4].MessageId, at)];
    }

    private static string Visitor(Guid conversation) => $"guest-{conversation:N}";

    private static string Manager(int n) => $"manager-{n % Managers}";

    private static async Task OlderAsync(Func<Guid, string, int, Guid?, Guid?, CancellationToken, Task<IReadOnlyList<ChatMessageRow>>> messages, Guid conversation)
    {
        var latest = await messages(conversation, Visitor(conversation), 10, null, null, default);
        await messages(conversation, Visitor(conversation), 10, null, latest[^1].Id, default);
    }

    private static async Task TimeAsync(Func<int, Task> query, List<int> picks, List<double> times)
    {
        foreach (var pick in picks)
        {
            var clock = Stopwatch.StartNew();
            await query(pick);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    /// <summary>A projection's runner, and its rebuilds timed from the request until the new generation serves.</summary>
    private sealed class Running(IProjection projection, NpgsqlDataSource dataSource, CancellationTokenSource stop, Task running) : IAsyncDisposable
    {
        public static Running Start(IProjection projection, NpgsqlDataSource dataSource, PostgresEventStore store, EventTypeRegistry registry)
        {
            var runner = new ProjectionRunner(projection, dataSource, store, registry, new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(20) }, new ProjectionProgress(dataSource), NullLogger.Instance);
            var stop = new CancellationTokenSource();
            return new Running(projection, dataSource, stop, Task.Run(() => runner.RunAsync(stop.Token)));
        }

        public async Task CaughtUpAsync(long position)
        {
            while (!await new ProjectionProgress(dataSource).WaitForAsync(projection.Name, position, TimeSpan.FromSeconds(5), CancellationToken.None))
            {
            }
        }

        public async Task<TimeSpan> RebuildAsync()
        {
            var clock = Stopwatch.StartNew();
            await using var connection = await dataSource.OpenConnectionAsync();
            var generation = (await ProjectionGenerations.RequestRebuildAsync(connection, projection, CancellationToken.None)).Number;
            await using var serving = new NpgsqlCommand("SELECT count(*) FROM proj.checkpoints WHERE projection = $1 AND generation = $2 AND active", connection);
            serving.Parameters.Add(new NpgsqlParameter { Value = projection.Name });
            serving.Parameters.Add(new NpgsqlParameter { Value = generation });
            // Polled on the benchmark's own connection: a 20 ms step is well under a rebuild's seconds.
            while ((long)(await serving.ExecuteScalarAsync())! == 0)
            {
                await Task.Delay(20);
            }

            return clock.Elapsed;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await running;
            stop.Dispose();
        }
    }
}
