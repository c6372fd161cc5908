using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// Appends with the events' columns compressed by lz4 (migration 0009) against pglz, PostgreSQL's
/// default, in paired rounds of one run: the column's method is switched between rounds (a change
/// of the catalog only). Broadcasts to 50 contacts are large enough to be compressed; a contact
/// event is not, and shows that small events are left as they were.
/// </summary>
internal static class CompressionBenchmark
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, EventStoreOptions options, double seconds, int rounds)
    {
        if (!await Lz4AvailableAsync(dataSource))
        {
            Console.WriteLine("This PostgreSQL server was built without lz4: nothing to compare.");
            return;
        }

        Console.WriteLine($"Append with lz4 vs pglz on the events' columns: {rounds} paired rounds of {seconds} s, order alternating; medians shown.");
        Console.WriteLine($"{"scenario",-36}{"pglz ev/s",12}{"lz4 ev/s",12}{"ratio",8}{"ratio range",16}{"CPU pglz",10}{"CPU lz4",10}{"CPU ratio",11}");
        var scenarios = new (string Name, int Writers, Func<EventData> Event)[]
        {
            ($"a message to {Payload.BroadcastContacts} contacts, 1 writer", 1, Broadcast),
            ($"a message to {Payload.BroadcastContacts} contacts, 8 writers", 8, Broadcast),
            ("a contact added, 8 writers", 8, () => Payload.ContactAdded(Guid.NewGuid())),
        };
        foreach (var (name, writers, make) in scenarios)
        {
            var (pglz, lz4) = await AppendLoad.PairedRoundsAsync(rounds, () => RunAsync("pglz"), () => RunAsync("lz4"));
            var ratios = pglz.Zip(lz4, (p, l) => l.EventsPerSecond / p.EventsPerSecond).Order().ToList();
            var cpuRatios = pglz.Zip(lz4, (p, l) => l.CpuMicrosPerEvent / p.CpuMicrosPerEvent).ToList();
            Console.WriteLine(
                $"{name,-36}{AppendLoad.Median(pglz.Select(r => r.EventsPerSecond)),12:N0}{AppendLoad.Median(lz4.Select(r => r.EventsPerSecond)),12:N0}{AppendLoad.Median(ratios),8:F2}"
                + $"{$"{ratios[0]:F2} to {ratios[^1]:F2}",16}{AppendLoad.Median(pglz.Select(r => r.CpuMicrosPerEvent)),10:F0}{AppendLoad.Median(lz4.Select(r => r.CpuMicrosPerEvent)),10:F0}{AppendLoad.Median(cpuRatios),11:F2}");

            async Task<AppendRun> RunAsync(string method)
            {
                await using (var command = dataSource.CreateCommand(
                    $"ALTER TABLE {options.Schema}.events ALTER COLUMN data SET COMPRESSION {method}, ALTER COLUMN metadata SET COMPRESSION {method}"))
                {
                    await command.ExecuteNonQueryAsync();
                }

                return await AppendLoad.RunAsync(
                    writers, 1, seconds, (stream, version, events) => store.AppendAsync(stream, ExpectedVersion.From(version), events), count => [.. Enumerable.Range(0, count).Select(_ => make())]);
            }
        }

        Console.WriteLine("ratio: lz4's events a second over pglz's (above 1: faster); CPU ratio: the machine's busy CPU an event, lz4's over pglz's (below 1: cheaper).");
    }

    private static EventData Broadcast() => Payload.MessageScheduled(Payload.BroadcastRecipients(Guid.NewGuid));

    private static async Task<bool> Lz4AvailableAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'");
        return await command.ExecuteScalarAsync() is true;
    }
}
