using System.Diagnostics;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Snapshots;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// What a node that just started pays for the duty roster before it routes its first chat
/// (ADR 0036): the roster folded from its first event (the baseline) against the roster read from
/// its snapshot and the events after it. The roster holds the chats of months: one event each.
/// </summary>
internal static class SnapshotBenchmark
{
    private const int AfterSnapshot = 250;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, EventStoreOptions options, int chats, int rounds)
    {
        var registry = EventCatalog.Create();
        var snapshotStore = new PostgresStateSnapshotStore(dataSource, options, NullLogger<PostgresStateSnapshotStore>.Instance);
        SnapshotPolicy[] policies = [new(typeof(DutyRoster), "duty-roster/1", Every: 500)];
        await WriteRosterAsync(store, registry, chats);
        // The snapshot is some way behind, as the roster moves on between two snapshots.
        var taken = await SnapshotAtAsync(store, registry, snapshotStore, policies, chats - AfterSnapshot);

        Console.WriteLine($"A starting node's first load of a roster of {chats + 1:N0} events, its snapshot {AfterSnapshot} events behind: {rounds} paired rounds, order alternating; medians shown.");
        var (folded, fromSnapshot) = await AppendLoad.PairedRoundsAsync(
            rounds,
            () => ColdLoadAsync(new CommandHandler(store, registry, new FoldedStates(), StateSnapshots.Off)),
            async () =>
            {
                // Each round's load takes a snapshot of the whole roster: put the one behind back.
                await snapshotStore.SaveAsync(DutyRoster.StreamId, taken);
                return await ColdLoadAsync(new CommandHandler(store, registry, new FoldedStates(), new StateSnapshots(snapshotStore, policies)));
            });
        var ratios = folded.Zip(fromSnapshot, (f, s) => f / s).ToList();
        Console.WriteLine($"{"from the first event ms",26}{"from the snapshot ms",22}{"speed-up",10}");
        Console.WriteLine($"{AppendLoad.Median(folded),26:F1}{AppendLoad.Median(fromSnapshot),22:F1}{AppendLoad.Median(ratios),10:F1}");
    }

    private static async Task WriteRosterAsync(PostgresEventStore store, EventTypeRegistry registry, int chats)
    {
        await store.AppendAsync(DutyRoster.StreamId, ExpectedVersion.NoStream, [registry.ToEventData(new ManagerWentOnDuty("mia", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty)]);
        for (var written = 0; written < chats; written += 1000)
        {
            var batch = Enumerable.Range(0, Math.Min(1000, chats - written))
                .Select(n => registry.ToEventData(new ConversationRouted(Guid.NewGuid(), $"visitor-{written + n}", "mia", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty))
                .ToArray();
            await store.AppendAsync(DutyRoster.StreamId, ExpectedVersion.Any, batch);
        }
    }

    /// <summary>The snapshot a node takes on its first load of the roster as it stood at <paramref name="version"/>.</summary>
    private static async Task<StoredSnapshot> SnapshotAtAsync(PostgresEventStore store, EventTypeRegistry registry, PostgresStateSnapshotStore snapshotStore, SnapshotPolicy[] policies, long version)
    {
        var (roster, at) = await new CommandHandler(store, registry, new FoldedStates(), StateSnapshots.Off).LoadUntilAsync(DutyRoster.Decider, DutyRoster.StreamId, e => e.StreamVersion <= version);
        var eventId = (await store.ReadStreamAsync(DutyRoster.StreamId, ReadDirection.Forward, at, 1))[0].EventId;
        await new StateSnapshots(snapshotStore, policies).TakeIfDueAsync(DutyRoster.StreamId, roster, at, eventId, CancellationToken.None);
        return (await snapshotStore.FindAsync(DutyRoster.StreamId))!;
    }

    private static async Task<double> ColdLoadAsync(CommandHandler node)
    {
        var clock = Stopwatch.StartNew();
        await node.LoadAsync(DutyRoster.Decider, DutyRoster.StreamId);
        return clock.Elapsed.TotalMilliseconds;
    }
}
