using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class AppendTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private IEventStore Store => fixture.Node.Store;

    [Fact]
    public async Task Appended_events_read_back_in_order_with_versions_positions_and_metadata()
    {
        var stream = Events.NewStream();
        var metadata = new EventMetadata("corr-1", "cause-1", "alice", "2", new Dictionary<string, string> { ["application-id"] = "ticketland" });
        var events = new[] { Events.One("first_happened", 1, metadata), Events.One("second_happened", 2, metadata) };

        var result = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);

        var read = await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10);
        read.Select(e => e.EventId).Should().Equal(events.Select(e => e.EventId));
        read.Select(e => e.StreamVersion).Should().Equal(0, 1);
        read.Select(e => e.Type).Should().Equal("first_happened", "second_happened");
        read[1].Data.Should().Be("""{"value": 2}""");
        read[0].Metadata.Should().BeEquivalentTo(metadata);
        read[0].Position.Should().BeLessThan(read[1].Position);
        read[0].Timestamp.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        read[0].Category.Should().Be("test");
        result.Should().Be(new AppendResult(1, read[1].Position));
    }

    [Fact]
    public async Task A_stream_reads_backward_from_a_version()
    {
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(5));

        var read = await Store.ReadStreamAsync(stream, ReadDirection.Backward, 3, 2);

        read.Select(e => e.StreamVersion).Should().Equal(3, 2);
    }

    [Fact]
    public async Task A_stream_reads_forward_from_a_version_in_pages()
    {
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(5));

        var read = await Store.ReadStreamAsync(stream, ReadDirection.Forward, 2, 2);

        read.Select(e => e.StreamVersion).Should().Equal(2, 3);
    }

    [Fact]
    public async Task Exact_expected_version_appends_after_that_version()
    {
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(2));

        var result = await Store.AppendAsync(stream, ExpectedVersion.Exactly(1), [Events.One()]);

        result.NextVersion.Should().Be(2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_wrong_exact_version_is_a_conflict_carrying_the_actual_version_and_appends_nothing(long expected)
    {
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(2));

        var append = () => Store.AppendAsync(stream, ExpectedVersion.Exactly(expected), [Events.One()]);

        (await append.Should().ThrowAsync<WrongExpectedVersionException>()).Which.ActualVersion.Should().Be(1);
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(2);
    }

    [Fact]
    public async Task No_stream_fails_once_the_stream_exists()
    {
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, [Events.One()]);

        var append = () => Store.AppendAsync(stream, ExpectedVersion.NoStream, [Events.One()]);

        (await append.Should().ThrowAsync<WrongExpectedVersionException>()).Which.ActualVersion.Should().Be(0);
    }

    [Fact]
    public async Task Stream_exists_fails_for_a_new_stream_and_passes_for_an_existing_one()
    {
        var stream = Events.NewStream();

        var onNew = () => Store.AppendAsync(stream, ExpectedVersion.StreamExists, [Events.One()]);
        (await onNew.Should().ThrowAsync<WrongExpectedVersionException>()).Which.ActualVersion.Should().Be(-1);

        await Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One()]);
        var result = await Store.AppendAsync(stream, ExpectedVersion.StreamExists, [Events.One()]);
        result.NextVersion.Should().Be(1);
    }

    [Fact]
    public async Task Any_appends_whatever_the_stream_holds()
    {
        var stream = Events.NewStream();

        (await Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One()])).NextVersion.Should().Be(0);
        (await Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One()])).NextVersion.Should().Be(1);
    }

    [Fact]
    public async Task An_empty_append_is_refused()
    {
        var append = () => Store.AppendAsync(Events.NewStream(), ExpectedVersion.Any, []);

        await append.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task Invalid_json_data_is_refused_and_nothing_is_stored()
    {
        var stream = Events.NewStream();
        var bad = new EventData(Guid.CreateVersion7(), "broken", "{not json", EventMetadata.Empty);

        var append = () => Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One(), bad]);

        await append.Should().ThrowAsync<Npgsql.PostgresException>();
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().BeEmpty();
    }
}
