using System.Diagnostics;
using EventSourced.Application.EventStore;

namespace EventSourced.Benchmarks;

/// <summary>The load every append benchmark puts on a store, and how its rounds are summed up.</summary>
internal static class AppendLoad
{
    /// <summary>
    /// Events per second of <paramref name="writers"/> writers, each appending batches of
    /// <paramref name="batch"/> events (made by <paramref name="events"/>) to a stream of its own at
    /// the next version, for <paramref name="seconds"/>.
    /// </summary>
    public static async Task<double> RateAsync(int writers, int batch, double seconds, Func<string, long, EventData[], Task> append, Func<int, EventData[]>? events = null) =>
        (await RunAsync(writers, batch, seconds, append, events)).EventsPerSecond;

    /// <summary>
    /// As <see cref="RateAsync"/>, with the machine's busy CPU an event (every process: this one and
    /// PostgreSQL's), which other tenants' load moves less than the rate.
    /// </summary>
    public static async Task<AppendRun> RunAsync(int writers, int batch, double seconds, Func<string, long, EventData[], Task> append, Func<int, EventData[]>? events = null)
    {
        events ??= Payload.Events;
        var busy = MachineCpu.BusySeconds();
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            var stream = $"bench-{Guid.NewGuid():N}";
            long version = -1, appended = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                await append(stream, version, events(batch));
                version += batch;
                appended += batch;
            }

            return appended;
        })));
        var (elapsed, appended) = (clock.Elapsed.TotalSeconds, counts.Sum());
        return new AppendRun(appended / elapsed, MachineCpu.MicrosecondsEach(busy, appended));
    }

    /// <summary>
    /// Measures the baseline and the measured side once a round, alternating which goes first, so
    /// that table growth and checkpoints hit both sides alike.
    /// </summary>
    public static async Task<(List<T> Baseline, List<T> Measured)> PairedRoundsAsync<T>(int rounds, Func<Task<T>> baseline, Func<Task<T>> measured)
    {
        var baselines = new List<T>();
        var measures = new List<T>();
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                baselines.Add(await baseline());
                measures.Add(await measured());
            }
            else
            {
                measures.Add(await measured());
                baselines.Add(await baseline());
            }
        }

        return (baselines, measures);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>One run of appends: its rate, and the machine's busy CPU an event in microseconds.</summary>
internal sealed record AppendRun(double EventsPerSecond, double CpuMicrosPerEvent);
