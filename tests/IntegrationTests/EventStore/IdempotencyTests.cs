using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class IdempotencyTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private IEventStore Store => fixture.Node.Store;

    [Fact]
    public async Task Appending_the_same_events_again_returns_the_first_result_and_stores_nothing()
    {
        var stream = Events.NewStream();
        var events = Events.Many(3);
        var first = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);

        var again = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);

        again.Should().Be(first);
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(3);
    }

    [Fact]
    public async Task A_retry_long_after_the_stream_moved_on_still_returns_the_first_result()
    {
        var stream = Events.NewStream();
        var events = Events.Many(2);
        var first = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);
        for (var i = 0; i < 20; i++)
        {
            await Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One()]);
        }

        var again = await Store.AppendAsync(stream, ExpectedVersion.Exactly(5), events);

        again.Should().Be(first);
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 100)).Should().HaveCount(22);
    }

    [Fact]
    public async Task A_retry_through_a_restarted_node_returns_the_first_result()
    {
        var stream = Events.NewStream();
        var events = Events.Many(2);
        var first = await Store.AppendAsync(stream, ExpectedVersion.Any, events);

        await using var restarted = await EventStoreNode.StartAsync(fixture.Database.ConnectionString);
        var again = await restarted.Store.AppendAsync(stream, ExpectedVersion.Any, events);

        again.Should().Be(first);
        (await restarted.Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(2);
    }

    [Fact]
    public async Task Reusing_an_event_id_with_different_data_is_a_conflict()
    {
        var stream = Events.NewStream();
        var original = Events.One(value: 1);
        await Store.AppendAsync(stream, ExpectedVersion.Any, [original]);

        var append = () => Store.AppendAsync(stream, ExpectedVersion.Any, [original with { Data = """{"value":2}""" }]);

        (await append.Should().ThrowAsync<EventIdReusedException>()).Which.EventId.Should().Be(original.EventId);
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().ContainSingle();
    }

    [Fact]
    public async Task Reusing_an_event_id_in_another_stream_is_a_conflict()
    {
        var original = Events.One();
        await Store.AppendAsync(Events.NewStream(), ExpectedVersion.Any, [original]);
        var other = Events.NewStream();

        var append = () => Store.AppendAsync(other, ExpectedVersion.Any, [original]);

        await append.Should().ThrowAsync<EventIdReusedException>();
        (await Store.ReadStreamAsync(other, ReadDirection.Forward, 0, 10)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_batch_that_only_partly_repeats_an_earlier_one_is_a_conflict()
    {
        var stream = Events.NewStream();
        var earlier = Events.Many(2);
        await Store.AppendAsync(stream, ExpectedVersion.Any, earlier);

        var append = () => Store.AppendAsync(stream, ExpectedVersion.Any, [earlier[0], Events.One()]);

        await append.Should().ThrowAsync<EventIdReusedException>();
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(2);
    }

    [Fact]
    public async Task The_same_events_appended_concurrently_are_stored_once()
    {
        var stream = Events.NewStream();
        var events = Events.Many(3);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.AppendAsync(stream, ExpectedVersion.Any, events)));

        results.Distinct().Should().ContainSingle();
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(3);
    }
}
