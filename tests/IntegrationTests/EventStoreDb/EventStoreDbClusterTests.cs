using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStoreDb;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStoreDb;

/// <summary>
/// The adapter against three stand-in nodes on one log, found through their gossip: writes go to
/// the leader, reads where the preference says, and a leader change or a lost leader is followed
/// with no acknowledged append lost or stored twice.
/// </summary>
public sealed class EventStoreDbClusterTests : IAsyncLifetime
{
    private IReadOnlyList<FakeEventStoreDb> _nodes = [];

    public async Task InitializeAsync() => _nodes = await FakeEventStoreDb.StartClusterAsync(3);

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Writes_go_to_the_leader_and_reads_to_a_follower_when_that_is_preferred()
    {
        var store = Store("nodePreference=follower");
        var stream = Events.NewStream();

        await store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(3));
        var read = await store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10);

        read.Should().HaveCount(3);
        _nodes[0].Served.Should().Contain($"Append {stream}").And.NotContain($"Read {stream}");
        _nodes.Skip(1).SelectMany(n => n.Served).Should().Contain($"Read {stream}").And.NotContain($"Append {stream}");
    }

    [Fact]
    public async Task A_discover_string_with_one_follower_as_seed_finds_the_leader()
    {
        var store = EventStoreDbServiceCollectionExtensions.Create($"esdb+discover://admin:changeit@127.0.0.1:{_nodes[2].Port}?tls=false");
        var stream = Events.NewStream();

        await store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(1));

        _nodes[0].Served.Should().Contain($"Append {stream}");
    }

    [Fact]
    public async Task A_leader_change_and_a_lost_leader_are_followed_and_every_acknowledged_append_is_stored_once()
    {
        var store = Store("maxDiscoverAttempts=50&discoveryInterval=20");
        var acknowledged = 0;
        var (changeAt, loseAt, total) = (40, 80, 120);
        var streams = Enumerable.Range(0, 8).Select(_ => Events.NewStream()).ToList();

        var writers = streams.Select(stream => Task.Run(async () =>
        {
            var appended = new List<Guid>();
            while (Volatile.Read(ref acknowledged) < total)
            {
                var e = Events.One();
                await store.AppendAsync(stream, ExpectedVersion.From(appended.Count - 1), [e]);
                appended.Add(e.EventId);
                // The writer that reaches each point moves the leader itself, while the others'
                // appends are in flight. Left to the test's own thread, the move could come after
                // the next point on a busy machine, and the second node would never lead.
                var count = Interlocked.Increment(ref acknowledged);
                if (count == changeAt)
                {
                    // The new leader first: a follower asked meanwhile must find one to name.
                    _nodes[1].IsLeader = true;
                    _nodes[0].IsLeader = false;
                }
                else if (count == loseAt)
                {
                    // That leader is lost and the third node is elected.
                    _nodes[2].IsLeader = true;
                    _nodes[1].IsLeader = false;
                    await _nodes[1].StopAsync();
                }
            }

            return (Stream: stream, Appended: appended);
        })).ToList();

        var written = await Task.WhenAll(writers).WaitAsync(Wait.Patience);

        foreach (var (stream, appended) in written)
        {
            var stored = await store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 1000);
            stored.Select(e => e.EventId).Should().Equal(appended, "every acknowledged append is there once, in order");
            stored.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(0, appended.Count).Select(v => (long)v));
        }

        _nodes[1].Served.Should().Contain(s => s.StartsWith("Append ", StringComparison.Ordinal), "the second node led for a while");
        _nodes[2].Served.Should().Contain(s => s.StartsWith("Append ", StringComparison.Ordinal), "the third node leads at the end");
    }

    [Fact]
    public async Task A_call_whose_connection_drops_is_made_again_after_the_cluster_is_found_again()
    {
        var store = Store("maxDiscoverAttempts=5&discoveryInterval=20");
        var stream = Events.NewStream("reset");
        var e = Events.One();

        await store.AppendAsync(stream, ExpectedVersion.NoStream, [e]);

        (await store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Select(r => r.EventId).Should().Equal(e.EventId);
    }

    private EventStoreDbEventStore Store(string query) =>
        EventStoreDbServiceCollectionExtensions.Create($"esdb://admin:changeit@{string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.Port}"))}?tls=false&{query}");
}
