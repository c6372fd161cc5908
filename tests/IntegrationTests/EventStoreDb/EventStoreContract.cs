using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStoreDb;

/// <summary>
/// What every event-store backend promises, run against each: PostgreSQL, the EventStoreDB adapter
/// over the protocol stand-in, and a real EventStoreDB when EVENTSTORE_CONNECTION names one
/// (reported as skipped otherwise).
/// </summary>
public abstract class EventStoreContract<TBackend>(TBackend backend) : IClassFixture<TBackend>
    where TBackend : class, IEventStoreBackend
{
    private IEventStore Store => backend.Store;

    [SkippableFact]
    public async Task An_append_returns_the_last_version_and_position_and_a_read_gives_back_type_data_and_metadata()
    {
        Available();
        var stream = Events.NewStream();
        var metadata = new EventMetadata("corr-1", "cause-1", "alice");
        var events = new[] { Events.One("first_happened", 1, metadata), Events.One("second_happened", 2, metadata) };

        var result = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);
        var read = await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10);

        result.NextVersion.Should().Be(1);
        read.Select(e => (e.EventId, e.Type, e.StreamVersion)).Should().Equal((events[0].EventId, "first_happened", 0L), (events[1].EventId, "second_happened", 1L));
        System.Text.Json.JsonDocument.Parse(read[1].Data).RootElement.GetProperty("value").GetInt32().Should().Be(2);
        read[1].Position.Should().Be(result.Position);
        read[0].Metadata.Should().BeEquivalentTo(metadata);
    }

    [SkippableFact]
    public async Task A_wrong_expected_version_is_refused_with_the_actual_version_and_stores_nothing()
    {
        Available();
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(2));

        var stale = () => Store.AppendAsync(stream, ExpectedVersion.Exactly(0), Events.Many(1));
        var exists = () => Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(1));
        var missing = () => Store.AppendAsync(Events.NewStream(), ExpectedVersion.StreamExists, Events.Many(1));

        (await stale.Should().ThrowAsync<WrongExpectedVersionException>()).Which.ActualVersion.Should().Be(1);
        await exists.Should().ThrowAsync<WrongExpectedVersionException>();
        await missing.Should().ThrowAsync<WrongExpectedVersionException>();
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(2);
    }

    [SkippableFact]
    public async Task Appending_the_same_events_again_returns_the_first_result_and_stores_them_once()
    {
        Available();
        var stream = Events.NewStream();
        var events = Events.Many(2);
        var first = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);
        await Store.AppendAsync(stream, ExpectedVersion.Exactly(1), Events.Many(1));

        var again = await Store.AppendAsync(stream, ExpectedVersion.NoStream, events);
        var anyAgain = await Store.AppendAsync(stream, ExpectedVersion.Any, events);

        again.Should().Be(first);
        anyAgain.Should().Be(first);
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(3);
    }

    [SkippableFact]
    public async Task An_event_id_used_again_for_other_content_is_refused()
    {
        Available();
        var stream = Events.NewStream();
        var original = Events.One(value: 1);
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, [original]);

        var reuse = () => Store.AppendAsync(stream, ExpectedVersion.Any, [original with { Data = """{"value":99}""" }]);

        await reuse.Should().ThrowAsync<EventIdReusedException>();
    }

    [SkippableFact]
    public async Task A_stream_reads_forward_from_a_version_and_backward_from_its_end_and_a_missing_one_is_empty()
    {
        Available();
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(5));

        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 2, 2)).Select(e => e.StreamVersion).Should().Equal(2, 3);
        (await Store.ReadStreamAsync(stream, ReadDirection.Backward, long.MaxValue, 2)).Select(e => e.StreamVersion).Should().Equal(4, 3);
        (await Store.ReadStreamAsync(stream, ReadDirection.Backward, 1, 5)).Select(e => e.StreamVersion).Should().Equal(1, 0);
        (await Store.ReadStreamAsync(Events.NewStream(), ReadDirection.Forward, 0, 5)).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task All_reads_after_a_position_in_order_by_category_by_several_categories_or_by_type()
    {
        Available();
        var from = await Store.LastPositionAsync();
        var order = Events.NewStream("order");
        var refund = Events.NewStream("refund");
        await Store.AppendAsync(order, ExpectedVersion.Any, Events.Many(2, "order_placed"));
        await Store.AppendAsync(refund, ExpectedVersion.Any, Events.Many(1, "refund_made"));
        await Store.AppendAsync(order, ExpectedVersion.Any, Events.Many(1, "order_shipped"));

        var all = await ReadAllAsync(from, EventFilter.All);
        var orders = await ReadAllAsync(from, EventFilter.ForCategory("order"));
        var refunds = await ReadAllAsync(from, EventFilter.ForTypes("refund_made"));
        var both = await ReadAllAsync(from, EventFilter.ForCategory("order", "refund"));

        all.Where(e => e.StreamId == order || e.StreamId == refund).Select(e => e.Type).Should().Equal("order_placed", "order_placed", "refund_made", "order_shipped");
        all.Select(e => e.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        orders.Where(e => e.StreamId == order).Should().HaveCount(3);
        orders.Should().OnlyContain(e => e.Category == "order");
        refunds.Should().ContainSingle(e => e.StreamId == refund).And.OnlyContain(e => e.Type == "refund_made");
        both.Where(e => e.StreamId == order || e.StreamId == refund).Select(e => e.Type).Should().Equal("order_placed", "order_placed", "refund_made", "order_shipped");
        both.Should().OnlyContain(e => e.Category == "order" || e.Category == "refund").And.BeInAscendingOrder(e => e.Position);
    }

    [SkippableFact]
    public async Task A_subscription_catches_up_from_its_checkpoint_then_delivers_new_events_live_once_each()
    {
        Available();
        var stream = Events.NewStream("live");
        var from = await Store.LastPositionAsync();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(2));
        using var stop = new CancellationTokenSource(Wait.Patience);
        var seen = new List<RecordedEvent>();
        await using var subscription = Store.SubscribeToAllAsync(from, EventFilter.ForCategory("live"), stop.Token).GetAsyncEnumerator(stop.Token);

        while (seen.Count(e => e.StreamId == stream) < 2 && await subscription.MoveNextAsync())
        {
            seen.Add(subscription.Current);
        }

        await Store.AppendAsync(stream, ExpectedVersion.Exactly(1), Events.Many(2));
        while (seen.Count(e => e.StreamId == stream) < 4 && await subscription.MoveNextAsync())
        {
            seen.Add(subscription.Current);
        }

        seen.Where(e => e.StreamId == stream).Select(e => e.StreamVersion).Should().Equal(0, 1, 2, 3);
        seen.Select(e => e.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        seen.Should().OnlyContain(e => e.Category == "live");
    }

    [SkippableFact]
    public async Task Stream_metadata_keeps_the_newest_events_truncates_and_reads_back()
    {
        Available();
        var capped = Events.NewStream();
        var truncated = Events.NewStream();
        await Store.AppendAsync(capped, ExpectedVersion.NoStream, Events.Many(5));
        await Store.AppendAsync(truncated, ExpectedVersion.NoStream, Events.Many(5));

        await Store.SetStreamMetadataAsync(capped, new StreamMetadata(MaxCount: 2));
        await Store.SetStreamMetadataAsync(truncated, new StreamMetadata(TruncateBefore: 3));

        (await Store.ReadStreamAsync(capped, ReadDirection.Forward, 0, 10)).Select(e => e.StreamVersion).Should().Equal(3, 4);
        (await Store.ReadStreamAsync(truncated, ReadDirection.Forward, 0, 10)).Select(e => e.StreamVersion).Should().Equal(3, 4);
        (await Store.GetStreamMetadataAsync(capped)).MaxCount.Should().Be(2);
    }

    [SkippableFact]
    public async Task A_soft_deleted_stream_reads_empty_and_a_later_append_continues_its_numbering()
    {
        Available();
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(3));

        await Store.SoftDeleteAsync(stream);
        var afterDelete = await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10);
        var next = await Store.AppendAsync(stream, ExpectedVersion.Any, Events.Many(1));

        afterDelete.Should().BeEmpty();
        next.NextVersion.Should().Be(3);
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Select(e => e.StreamVersion).Should().Equal(3);
    }

    [SkippableFact]
    public async Task Events_are_found_by_correlation_id_in_position_order()
    {
        Available();
        var correlation = Guid.NewGuid().ToString();
        var metadata = new EventMetadata(correlation);
        var a = Events.NewStream();
        var b = Events.NewStream();
        await Store.AppendAsync(a, ExpectedVersion.Any, [Events.One(metadata: metadata)]);
        await Store.AppendAsync(b, ExpectedVersion.Any, [Events.One(metadata: metadata), Events.One()]);

        // EventStoreDB's $by_correlation_id projection fills its streams shortly after the append.
        await Eventually.HoldsAsync(async () => (await Store.ReadByCorrelationIdAsync(correlation, 10)).Count == 2, "both correlated events");

        (await Store.ReadByCorrelationIdAsync(correlation, 10)).Select(e => e.StreamId).Should().Equal(a, b);
    }

    private void Available() => Skip.If(backend.Unavailable is not null, backend.Unavailable);

    private async Task<List<RecordedEvent>> ReadAllAsync(long from, EventFilter filter)
    {
        var read = new List<RecordedEvent>();
        for (var after = from; ;)
        {
            var page = await Store.ReadAllAsync(after, 2, filter);
            read.AddRange(page.Events);
            after = page.LastPosition;
            if (page.IsEnd)
            {
                return read;
            }
        }
    }
}

public sealed class PostgresContract(PostgresBackend backend) : EventStoreContract<PostgresBackend>(backend);

public sealed class EventStoreDbStandInContract(FakeEventStoreDbBackend backend) : EventStoreContract<FakeEventStoreDbBackend>(backend);

public sealed class EventStoreDbContract(EventStoreDbBackend backend) : EventStoreContract<EventStoreDbBackend>(backend);
