using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Infrastructure.Snapshots;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// Long streams' states are snapshotted and read back from the snapshot by a node that holds none,
/// yet never from one the stream does not bear out (ADR 0036). Each "node" is a command handler
/// with a memory of its own over one store and one table of snapshots.
/// </summary>
public sealed class StateSnapshotsTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private const int Every = 10;
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();
    private static readonly CommandContext Context = new("test", "test", null);
    private readonly string _roster = $"rostertest-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_long_stream_gets_a_snapshot_of_its_state_every_so_many_events()
    {
        var node = Node();
        await Route(node, chats: 24);

        var kept = await SnapshotStore().FindAsync(_roster);

        kept.Should().NotBeNull();
        kept!.Version.Should().Be(19, "one is taken at the 10th event (version 9) and the 20th, not yet at the 25th");
        (await FoldedFromTheStartUntil(kept.Version)).Should().BeEquivalentTo(Read(kept), "the snapshot is the fold of the events up to its version");
        kept.EventId.Should().Be((await fixture.Node.Store.ReadStreamAsync(_roster, ReadDirection.Forward, kept.Version, 1))[0].EventId);
    }

    [Fact]
    public async Task A_node_holding_no_state_starts_from_the_snapshot()
    {
        await Route(Node(), chats: 24);
        // A state the events alone could never give: only a load from the snapshot shows it.
        var kept = (await SnapshotStore().FindAsync(_roster))!;
        await SnapshotStore().SaveAsync(_roster, kept with { State = Serialized(Read(kept) with { OnDuty = ["from-snapshot"] }) });

        var ((roster, version), reads) = await CountingSnapshotReadsAsync(() => Node().LoadAsync(DutyRoster.Decider, _roster));

        version.Should().Be(24);
        roster.OnDuty.Should().Equal("from-snapshot");
        reads.Should().Equal("used");
    }

    [Fact]
    public async Task A_snapshot_whose_event_the_stream_does_not_hold_is_passed_over_and_taken_again()
    {
        await Route(Node(), chats: 24);
        // As after the events were restored from a backup older than the snapshot: another event at its version.
        var kept = (await SnapshotStore().FindAsync(_roster))!;
        await SnapshotStore().SaveAsync(_roster, kept with { EventId = Guid.NewGuid(), State = Serialized(Read(kept) with { OnDuty = ["from-snapshot"] }) });

        var ((roster, version), reads) = await CountingSnapshotReadsAsync(() => Node().LoadAsync(DutyRoster.Decider, _roster));

        reads.Should().Equal(StateSnapshots.PassedOver);
        roster.Should().BeEquivalentTo(await FoldedFromTheStartUntil(long.MaxValue));
        roster.OnDuty.Should().Equal("ann");
        version.Should().Be(24);
        (await SnapshotStore().FindAsync(_roster))!.Version.Should().Be(24, "the node's first load of the stream takes a snapshot of its own");
    }

    [Fact]
    public async Task A_snapshot_of_another_shape_is_passed_over()
    {
        await Route(Node(), chats: 24);
        var kept = (await SnapshotStore().FindAsync(_roster))!;
        await SnapshotStore().SaveAsync(_roster, kept with { Shape = "duty-roster/0", State = Serialized(Read(kept) with { OnDuty = ["from-snapshot"] }) });

        var ((roster, _), reads) = await CountingSnapshotReadsAsync(() => Node().LoadAsync(DutyRoster.Decider, _roster));

        roster.OnDuty.Should().Equal("ann");
        reads.Should().Equal(StateSnapshots.PassedOver);
    }

    [Fact]
    public async Task A_snapshot_that_does_not_read_as_the_state_is_passed_over()
    {
        await Route(Node(), chats: 24);
        var kept = (await SnapshotStore().FindAsync(_roster))!;
        await SnapshotStore().SaveAsync(_roster, kept with { State = """{"onDuty": 5}""" });

        var ((roster, version), reads) = await CountingSnapshotReadsAsync(() => Node().LoadAsync(DutyRoster.Decider, _roster));

        (roster.OnDuty.Single(), version).Should().Be(("ann", 24L));
        reads.Should().Equal(StateSnapshots.PassedOver);
    }

    [Fact]
    public async Task Appends_after_a_snapshot_are_folded_onto_it_by_a_node_holding_no_state()
    {
        var first = Node();
        await Route(first, chats: 24);
        await first.HandleAsync(DutyRoster.Decider, _roster, new SetDuty("mia", true, DateTimeOffset.UtcNow), Context);
        var lastTurn = await first.HandleAsync(DutyRoster.Decider, _roster, new RouteConversation(Guid.NewGuid(), "visitor", DateTimeOffset.UtcNow), Context);

        var (roster, version) = await Node().LoadAsync(DutyRoster.Decider, _roster);

        version.Should().Be(26);
        roster.Should().BeEquivalentTo(lastTurn.State);
        roster.LastRoutedTo.Should().Be("mia");
    }

    /// <summary>What <paramref name="act"/> returned, and the outcomes of the snapshot reads of this class's streams it counted.</summary>
    private static async Task<(T Result, List<string?> Outcomes)> CountingSnapshotReadsAsync<T>(Func<Task<T>> act)
    {
        var outcomes = new ConcurrentQueue<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "eventsourced.snapshot.reads")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value as string);
            if (tagged.GetValueOrDefault("category") == "rostertest")
            {
                outcomes.Enqueue(tagged.GetValueOrDefault("outcome"));
            }
        });
        listener.Start();
        var result = await act();
        return (result, [.. outcomes]);
    }

    private CommandHandler Node() =>
        new(fixture.Node.Store, Registry, new FoldedStates(), new StateSnapshots(SnapshotStore(), [new SnapshotPolicy(typeof(DutyRoster), "duty-roster/1", Every)]));

    private PostgresStateSnapshotStore SnapshotStore() =>
        new(fixture.Node.DataSource, fixture.Node.Options, NullLogger<PostgresStateSnapshotStore>.Instance);

    private async Task Route(CommandHandler node, int chats)
    {
        await node.HandleAsync(DutyRoster.Decider, _roster, new SetDuty("ann", true, DateTimeOffset.UtcNow), Context);
        for (var n = 1; n <= chats; n++)
        {
            await node.HandleAsync(DutyRoster.Decider, _roster, new RouteConversation(Guid.NewGuid(), $"visitor-{n}", DateTimeOffset.UtcNow), Context);
        }
    }

    private async Task<DutyRoster> FoldedFromTheStartUntil(long version) =>
        (await new CommandHandler(fixture.Node.Store, Registry, new FoldedStates(), StateSnapshots.Off).LoadUntilAsync(DutyRoster.Decider, _roster, e => e.StreamVersion <= version)).State;

    private static DutyRoster Read(StoredSnapshot snapshot) => System.Text.Json.JsonSerializer.Deserialize<DutyRoster>(snapshot.State, EventTypeRegistry.JsonOptions)!;

    private static string Serialized(DutyRoster roster) => System.Text.Json.JsonSerializer.Serialize(roster, EventTypeRegistry.JsonOptions);
}
