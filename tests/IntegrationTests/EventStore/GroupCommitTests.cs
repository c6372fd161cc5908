using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// Appends that arrive together commit together (one transaction, seen in their positions'
/// transaction bits), yet each keeps its own outcome: a wrong expected version, a retry of events
/// already stored, or an event id used elsewhere fails or succeeds alone.
/// </summary>
public sealed class GroupCommitTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private const int TransactionShift = 20;

    [Fact]
    public async Task Appends_arriving_together_share_a_commit_and_each_lands_at_its_own_version()
    {
        var streams = Enumerable.Range(0, 200).Select(i => Events.NewStream($"group{i}")).ToList();

        var results = await Task.WhenAll(streams.Select(s => fixture.Node.Store.AppendAsync(s, ExpectedVersion.NoStream, [Events.One(), Events.One()])));

        results.Should().OnlyContain(r => r.NextVersion == 1);
        results.Select(r => r.Position >> TransactionShift).Distinct().Count().Should().BeLessThan(streams.Count, "appends that waited for a commit went in one together");
        foreach (var (stream, result) in streams.Zip(results))
        {
            var stored = await fixture.Node.Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10);
            stored.Select(e => e.StreamVersion).Should().Equal(0, 1);
            stored[^1].Position.Should().Be(result.Position);
        }
    }

    [Fact]
    public async Task In_one_group_a_wrong_version_a_retry_and_a_reused_id_each_get_their_own_outcome()
    {
        var store = fixture.Node.Store;
        var (existing, retried, reusedIn) = (Events.NewStream("existing"), Events.NewStream("retried"), Events.NewStream("reused-in"));
        await store.AppendAsync(existing, ExpectedVersion.NoStream, [Events.One()]);
        var stored = Events.One();
        var first = await store.AppendAsync(retried, ExpectedVersion.NoStream, [stored]);
        var taken = Events.One();
        await store.AppendAsync(reusedIn, ExpectedVersion.NoStream, [taken]);
        var fresh = Enumerable.Range(0, 50).Select(i => Events.NewStream($"fresh{i}")).ToList();

        var wrongVersion = store.AppendAsync(existing, ExpectedVersion.NoStream, [Events.One()]);
        var retry = store.AppendAsync(retried, ExpectedVersion.NoStream, [stored]);
        var reused = store.AppendAsync(Events.NewStream("reuser"), ExpectedVersion.NoStream, [taken]);
        var others = fresh.Select(s => store.AppendAsync(s, ExpectedVersion.NoStream, [Events.One()])).ToList();

        await wrongVersion.Invoking(t => t).Should().ThrowAsync<WrongExpectedVersionException>();
        (await retry).Should().Be(first, "a retry of stored events gets the first result");
        await reused.Invoking(t => t).Should().ThrowAsync<EventIdReusedException>();
        (await Task.WhenAll(others)).Should().OnlyContain(r => r.NextVersion == 0);
        (await store.ReadStreamAsync(existing, ReadDirection.Forward, 0, 10)).Should().ContainSingle();
    }

    [Fact]
    public async Task Two_appends_to_one_stream_in_flight_together_both_land_in_order()
    {
        var stream = Events.NewStream("twice");
        var (a, b) = (Events.One(), Events.One());

        var both = await Task.WhenAll(fixture.Node.Store.AppendAsync(stream, ExpectedVersion.Any, [a]), fixture.Node.Store.AppendAsync(stream, ExpectedVersion.Any, [b]));

        both.Select(r => r.NextVersion).Should().BeEquivalentTo([0L, 1L]);
        (await fixture.Node.Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Select(e => e.EventId).Should().BeEquivalentTo([a.EventId, b.EventId]);
    }

    [Fact]
    public async Task Bulk_appends_commit_through_two_committers_of_their_own()
    {
        var store = fixture.Node.Store;
        var streams = Enumerable.Range(0, 100).Select(i => Events.NewStream($"bulk{i}")).ToList();
        var seen = store.BulkAppendsSeen;

        var (committers, results) = await AppendAsBulkAsync(store, streams);

        committers.Should().BeLessThanOrEqualTo(2, "a hundred appends at once start two committers at most");
        results.Should().OnlyContain(r => r.NextVersion == 0);
        (store.BulkAppendsSeen - seen).Should().Be(streams.Count);
        await store.AppendAsync(Events.NewStream("after-bulk"), ExpectedVersion.NoStream, [Events.One()]);
        (store.BulkAppendsSeen - seen).Should().Be(streams.Count, "the mark stays in the flow that set it");
    }

    // Async, so that the mark stays in here. Committers are counted as the last append is queued:
    // a lane of more would have started more by then.
    private static async Task<(int Committers, AppendResult[] Results)> AppendAsBulkAsync(PostgresEventStore store, List<string> streams)
    {
        BulkAppends.MarkThisFlow();
        var appends = streams.Select(s => store.AppendAsync(s, ExpectedVersion.NoStream, [Events.One()])).ToList();
        var committers = store.BulkCommittersAtWork;
        return (committers, await Task.WhenAll(appends));
    }
}
