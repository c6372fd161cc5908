using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class StreamMetadataTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private IEventStore Store => fixture.Node.Store;

    [Fact]
    public async Task Truncate_before_hides_earlier_versions()
    {
        var stream = await StreamWithEventsAsync(5);

        await Store.SetStreamMetadataAsync(stream, new StreamMetadata(TruncateBefore: 3));

        (await VersionsAsync(stream)).Should().Equal(3, 4);
        (await Store.GetStreamMetadataAsync(stream)).Should().Be(new StreamMetadata(TruncateBefore: 3));
    }

    [Fact]
    public async Task Max_count_keeps_only_the_newest_events()
    {
        var stream = await StreamWithEventsAsync(5);

        await Store.SetStreamMetadataAsync(stream, new StreamMetadata(MaxCount: 2));
        await Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One()]);

        (await VersionsAsync(stream)).Should().Equal(4, 5);
    }

    [Fact]
    public async Task Max_age_hides_events_older_than_it()
    {
        var stream = await StreamWithEventsAsync(3);
        // Age the first two events, as if written two hours ago.
        await fixture.Node.ExecuteAsync($"UPDATE es.events SET created_at = now() - interval '2 hours' WHERE stream_id = '{stream}' AND stream_version < 2");

        await Store.SetStreamMetadataAsync(stream, new StreamMetadata(MaxAge: TimeSpan.FromHours(1)));

        (await VersionsAsync(stream)).Should().Equal(2);
    }

    [Fact]
    public async Task A_soft_deleted_stream_reads_as_empty_and_a_later_append_continues_its_versions()
    {
        var stream = await StreamWithEventsAsync(3);

        await Store.SoftDeleteAsync(stream);
        (await VersionsAsync(stream)).Should().BeEmpty();

        var result = await Store.AppendAsync(stream, ExpectedVersion.Exactly(2), [Events.One()]);
        result.NextVersion.Should().Be(3);
        (await VersionsAsync(stream)).Should().Equal(3);
    }

    [Fact]
    public async Task Metadata_does_not_change_what_all_returns()
    {
        var head = await fixture.Node.ScalarAsync("SELECT coalesce(max(position), 0) FROM es.events");
        var stream = await StreamWithEventsAsync(3);

        await Store.SoftDeleteAsync(stream);

        (await Store.ReadAllAsync(head, 100, EventFilter.All)).Events.Should().HaveCount(3);
    }

    private async Task<string> StreamWithEventsAsync(int count)
    {
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(count));
        return stream;
    }

    private async Task<IEnumerable<long>> VersionsAsync(string stream) =>
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 100)).Select(e => e.StreamVersion);
}
