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
/// Rebuild of the contacts read model from N generated events, against a raw sequential read of
/// the same events through the store, in one run on one database.
/// </summary>
internal static class RebuildBenchmark
{
    private const int EventsPerOwner = 1000;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, int total)
    {
        var registry = EventCatalog.Create();
        var generate = Stopwatch.StartNew();
        var owners = total / EventsPerOwner;
        await Parallel.ForEachAsync(Enumerable.Range(0, owners), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (owner, ct) =>
        {
            var at = DateTimeOffset.UtcNow;
            var events = Enumerable.Range(0, EventsPerOwner)
                .Select(i => registry.ToEventData(new ContactAdded(Guid.CreateVersion7(), $"owner{owner}", $"Contact {i}", $"@contact_{i:D5}", null, null, $"owner{owner}", at), Guid.CreateVersion7(), EventMetadata.Empty))
                .ToList();
            await store.AppendAsync(ContactBook.StreamId($"owner{owner}"), ExpectedVersion.NoStream, events, ct);
        });
        Console.WriteLine($"generated {owners * EventsPerOwner:N0} events in {generate.Elapsed.TotalSeconds:F1} s");

        var read = Stopwatch.StartNew();
        long count = 0, after = 0;
        while (true)
        {
            var page = await store.ReadAllAsync(after, 5000, EventFilter.ForCategory("contacts"));
            count += page.Events.Count;
            after = page.LastPosition;
            if (page.IsEnd && page.Events.Count < 5000)
            {
                break;
            }
        }

        var rawRate = count / read.Elapsed.TotalSeconds;
        Console.WriteLine($"raw sequential read: {count:N0} events in {read.Elapsed.TotalSeconds:F1} s = {rawRate:N0} events/s");

        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        var projection = new ContactsProjection();
        var options = new ProjectionOptions { BatchSize = 5000 };
        var runner = new ProjectionRunner(projection, dataSource, store, registry, options, new ProjectionProgress(dataSource), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var rebuild = Stopwatch.StartNew();
        var running = Task.Run(() => runner.RunAsync(stop.Token));
        var progress = new ProjectionProgress(dataSource);
        while (!await progress.WaitForAsync(projection.Name, after, TimeSpan.FromSeconds(5), CancellationToken.None))
        {
        }

        var rebuildRate = count / rebuild.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await running;
        Console.WriteLine($"contacts rebuild:    {count:N0} events in {rebuild.Elapsed.TotalSeconds:F1} s = {rebuildRate:N0} events/s");
        Console.WriteLine($"ratio rebuild / raw read: {rebuildRate / rawRate:F2} (goal >= 0.30); goal >= 100,000 events/s: {(rebuildRate >= 100_000 ? "met" : "NOT met")}");
    }
}
