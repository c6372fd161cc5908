using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Privacy;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// Appends of contact events through the store with personal fields encrypted (ADR 0025) against
/// the same store without, in paired rounds of one run. Two payloads: events about 10,000 contacts
/// already known (their keys in memory, the usual case: a contact is added once and then updated
/// and written to), and a new contact in every event (a key created per event). Then the plain
/// store with events as long as sealed ones: what the larger rows alone cost.
/// </summary>
internal static class EncryptionBenchmark
{
    // As many subjects as a node writing for many users sees: with 1,000, just under what a
    // thread's cache of ciphers once held, the cost of a larger set was hidden (ADR 0025).
    private const int KnownContacts = 10_000;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, EventStoreOptions options, double seconds, int rounds, string? only)
    {
        var keys = new SubjectKeyRing(new PostgresSubjectKeyStore(dataSource, options));
        var encrypted = new ProtectedEventStore(store, keys);
        var known = Enumerable.Range(0, KnownContacts).Select(_ => Guid.NewGuid()).ToArray();
        // The known contacts' keys are created (and so in memory) before the clock starts.
        await encrypted.AppendAsync($"bench-{Guid.NewGuid():N}", ExpectedVersion.NoStream, known.Select(Payload.ContactAdded).ToArray());

        Console.WriteLine($"Append with encryption vs without: {rounds} paired rounds of {seconds} s, order alternating; medians shown.");
        Console.WriteLine("CPU: the machine's busy CPU an event, in µs (this process and PostgreSQL's), steadier than the rate on a shared machine.");
        Console.WriteLine($"{"scenario",-44}{"plain ev/s",12}{"encrypted ev/s",16}{"cost",8}{"cost range",16}{"CPU plain",11}{"CPU enc",11}{"CPU cost",10}{"CPU cost range",16}");
        var results = new List<(string Name, double Cost)>();
        var shapes = new[] { (1, 1, "single, 1 writer"), (8, 1, "single, 8 writers"), (1, 100, "100-batch, 1 writer") };
        foreach (var (payload, pick) in new (string, Func<Guid>)[] { ("known contacts", () => known[Random.Shared.Next(known.Length)]), ("a new contact each", Guid.NewGuid) })
        {
            foreach (var (writers, batch, shape) in shapes)
            {
                var name = $"{payload}, {shape}";
                if (Selected(name))
                {
                    results.Add((name, await CompareAsync(name, writers, batch, pick, store, encrypted, Payload.ContactAdded, seconds, rounds)));
                }
            }
        }

        // The product's event about many subjects at once: a broadcast, each delivery sealed under its contact's key.
        foreach (var (writers, shape) in new[] { (1, "1 writer"), (8, "8 writers") })
        {
            var name = $"a message to {Payload.BroadcastContacts} known contacts, {shape}";
            if (Selected(name))
            {
                results.Add((name, await CompareAsync(name, writers, 1, () => Guid.Empty, store, encrypted, _ => Broadcast(), seconds, rounds, Broadcast)));
            }
        }

        // Not encryption: what the sealed rows' size alone costs the store, part of every cost above.
        var sizeCosts = new List<(string Name, double Cost)>();
        foreach (var (writers, batch, shape) in shapes)
        {
            var name = $"sealed size in clear, {shape}";
            if (Selected(name))
            {
                sizeCosts.Add((name, await CompareAsync(name, writers, batch, Guid.NewGuid, store, store, Payload.ContactAddedAtSealedSize, seconds, rounds)));
            }
        }

        var broadcastSize = $"sealed size in clear, a message to {Payload.BroadcastContacts} contacts, 8 writers";
        if (Selected(broadcastSize))
        {
            sizeCosts.Add((broadcastSize, await CompareAsync(
                broadcastSize, 8, 1, () => Guid.Empty, store, store, _ => Payload.MessageScheduledAtSealedSize(Recipients()), seconds, rounds, Broadcast)));
        }

        Console.WriteLine();
        foreach (var (name, cost) in results)
        {
            Console.WriteLine($"goal cost <= 10% by rate and by CPU ({name}): {(cost <= 0.10 ? "met" : "NOT met")} ({cost:P1})");
        }

        foreach (var (name, cost) in sizeCosts)
        {
            Console.WriteLine($"size alone, nothing encrypted ({name}): {cost:P1}, part of the cost above");
        }

        bool Selected(string name) => only is null || name.Contains(only, StringComparison.Ordinal);

        EventData Broadcast() => Payload.MessageScheduled(Recipients());

        Guid[] Recipients() => Payload.BroadcastRecipients(() => known[Random.Shared.Next(known.Length)]);
    }

    /// <summary>
    /// The cost by rate and by CPU an event (medians of the rounds' ratios) of <paramref name="measuredEvent"/>s
    /// appended to <paramref name="measured"/> over plain events to <paramref name="plain"/>; the larger is the one judged.
    /// </summary>
    private static async Task<double> CompareAsync(
        string name, int writers, int batch, Func<Guid> contact, IEventStore plain, IEventStore measured, Func<Guid, EventData> measuredEvent, double seconds, int rounds,
        Func<EventData>? plainEvent = null)
    {
        Func<Guid, EventData> plainPayload = plainEvent is null ? Payload.ContactAdded : _ => plainEvent();
        var (plainRuns, encryptedRuns) = await AppendLoad.PairedRoundsAsync(rounds, () => RunAsync(plain, plainPayload), () => RunAsync(measured, measuredEvent));
        var costs = plainRuns.Zip(encryptedRuns, (p, e) => 1 - (e.EventsPerSecond / p.EventsPerSecond)).Order().ToList();
        var cpuCosts = plainRuns.Zip(encryptedRuns, (p, e) => (e.CpuMicrosPerEvent / p.CpuMicrosPerEvent) - 1).Order().ToList();
        var (cost, cpuCost) = (AppendLoad.Median(costs), AppendLoad.Median(cpuCosts));
        Console.WriteLine(
            $"{name,-44}{AppendLoad.Median(plainRuns.Select(r => r.EventsPerSecond)),12:N0}{AppendLoad.Median(encryptedRuns.Select(r => r.EventsPerSecond)),16:N0}{cost,8:P1}{$"{costs[0]:P0} to {costs[^1]:P0}",16}"
            + $"{AppendLoad.Median(plainRuns.Select(r => r.CpuMicrosPerEvent)),11:F1}{AppendLoad.Median(encryptedRuns.Select(r => r.CpuMicrosPerEvent)),11:F1}{cpuCost,10:P1}{$"{cpuCosts[0]:P0} to {cpuCosts[^1]:P0}",16}");
        return Math.Max(cost, cpuCost);

        Task<AppendRun> RunAsync(IEventStore store, Func<Guid, EventData> payload) => AppendLoad.RunAsync(
            writers, batch, seconds, (stream, version, events) => store.AppendAsync(stream, ExpectedVersion.From(version), events), count => [.. Enumerable.Range(0, count).Select(_ => payload(contact()))]);
    }
}
