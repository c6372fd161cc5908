using System.Collections.Concurrent;
using System.Diagnostics;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Projections.Contacts;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// Command-to-read-model lag: contact adds at a steady rate, each timed from its append's commit to
/// the moment the contacts projection's checkpoint covers it (the checkpoint is polled every 1 ms).
/// </summary>
internal static class LagBenchmark
{
    private const int WarmUpSeconds = 2;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, int perSecond, int seconds)
    {
        var registry = EventCatalog.Create();
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(new ContactsProjection(), dataSource, store, registry, new ProjectionOptions(), new ProjectionProgress(dataSource), NullLogger.Instance);
        var running = Task.Run(() => runner.RunAsync(stop.Token));

        // Steady state is measured: the projection serves before the load starts, and the first
        // WarmUpSeconds of load (JIT, connection pool growth) are left out of the figures.
        await using (var serving = dataSource.CreateCommand("SELECT count(*) FROM proj.checkpoints WHERE projection = 'contacts' AND active"))
        {
            while ((long)(await serving.ExecuteScalarAsync())! == 0)
            {
                await Task.Delay(10);
            }
        }


        var pending = new ConcurrentQueue<(long Position, long CommittedAt)>();
        var lags = new List<double>();
        var clock = Stopwatch.StartNew();
        var watching = Task.Run(() => WatchAsync(dataSource, pending, lags, clock, stop.Token));

        var total = perSecond * (seconds + WarmUpSeconds);
        var measuredFrom = perSecond * WarmUpSeconds;
        var interval = TimeSpan.FromSeconds(1.0 / perSecond * 10);
        using var timer = new PeriodicTimer(interval);
        var sent = 0;
        var appends = new List<Task>();
        while (sent < total && await timer.WaitForNextTickAsync())
        {
            // Ten commands per tick, each on its own owner's stream, as concurrent users would send them.
            for (var i = 0; i < 10 && sent < total; i++, sent++)
            {
                var owner = $"lag{sent}";
                var index = sent;
                var added = registry.ToEventData(new ContactAdded(Guid.CreateVersion7(), owner, "Contact", "@lag_contact", null, null, owner, DateTimeOffset.UtcNow), Guid.CreateVersion7(), EventMetadata.Empty);
                appends.Add(Task.Run(async () =>
                {
                    var result = await store.AppendAsync(ContactBook.StreamId(owner), ExpectedVersion.NoStream, [added]);
                    pending.Enqueue((result.Position, index >= measuredFrom ? clock.ElapsedTicks : -1));
                }));
            }
        }

        await Task.WhenAll(appends);
        var rate = sent / clock.Elapsed.TotalSeconds;
        while (lags.Count < sent - measuredFrom && clock.Elapsed.TotalSeconds < seconds + 30)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await running;
        await watching;
        lock (lags)
        {
            lags.Sort();
            Console.WriteLine($"{sent:N0} commands at {rate:N0}/s; lag measured for {lags.Count:N0}");
            Console.WriteLine($"command-to-read-model lag: p50 {Percentile(lags, 0.50):F1} ms, p99 {Percentile(lags, 0.99):F1} ms, max {lags[^1]:F1} ms (goal p99 <= 50 ms: {(Percentile(lags, 0.99) <= 50 ? "met" : "NOT met")})");
        }
    }

    private static async Task WatchAsync(NpgsqlDataSource dataSource, ConcurrentQueue<(long Position, long CommittedAt)> pending, List<double> lags, Stopwatch clock, CancellationToken ct)
    {
        var waiting = new List<(long Position, long CommittedAt)>();
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM proj.checkpoints WHERE projection = 'contacts' AND active");
        while (!ct.IsCancellationRequested)
        {
            var checkpoint = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
            var now = clock.ElapsedTicks;
            while (pending.TryDequeue(out var item))
            {
                waiting.Add(item);
            }

            lock (lags)
            {
                lags.AddRange(waiting.Where(w => w.Position <= checkpoint && w.CommittedAt >= 0).Select(w => (now - w.CommittedAt) * 1000.0 / Stopwatch.Frequency));
            }

            waiting.RemoveAll(w => w.Position <= checkpoint);
            await Task.Delay(1, CancellationToken.None);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
