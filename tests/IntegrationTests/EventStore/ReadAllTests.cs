using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class ReadAllTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private IEventStore Store => fixture.Node.Store;

    [Fact]
    public async Task All_reads_every_event_in_position_order_page_by_page()
    {
        var from = await HeadAsync();
        var a = Events.NewStream();
        var b = Events.NewStream();
        await Store.AppendAsync(a, ExpectedVersion.Any, Events.Many(3));
        await Store.AppendAsync(b, ExpectedVersion.Any, Events.Many(2));
        await Store.AppendAsync(a, ExpectedVersion.Any, Events.Many(2));

        var read = new List<RecordedEvent>();
        var pages = 0;
        for (var after = from; ; pages++)
        {
            var page = await Store.ReadAllAsync(after, 3, EventFilter.All);
            read.AddRange(page.Events);
            after = page.LastPosition;
            if (page.IsEnd)
            {
                break;
            }
        }

        pages.Should().Be(2);
        read.Select(e => e.StreamId).Should().Equal(a, a, a, b, b, a, a);
        read.Select(e => e.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task A_category_read_returns_only_streams_of_that_category()
    {
        var from = await HeadAsync();
        var order = Events.NewStream("order");
        await Store.AppendAsync(order, ExpectedVersion.Any, Events.Many(2));
        await Store.AppendAsync(Events.NewStream("refund"), ExpectedVersion.Any, Events.Many(2));
        await Store.AppendAsync(Events.NewStream("orderline"), ExpectedVersion.Any, Events.Many(1));

        var page = await Store.ReadAllAsync(from, 100, EventFilter.ForCategory("order"));

        page.Events.Select(e => e.StreamId).Should().Equal(order, order);
    }

    [Fact]
    public async Task A_filtered_read_that_matches_nothing_more_moves_past_the_events_it_skipped()
    {
        var from = await HeadAsync();
        await Store.AppendAsync(Events.NewStream("order"), ExpectedVersion.Any, Events.Many(1));
        var skipped = await Store.AppendAsync(Events.NewStream("refund"), ExpectedVersion.Any, Events.Many(3));
        // A filtered read does not wait for events it skips: until other databases' transactions
        // in flight end, the horizon, and so where the read may move to, can be below the refund.
        await Eventually.HoldsAsync(async () => (await Store.ReadAllAsync(skipped.Position - 1, 1, EventFilter.All)).Events.Count == 1, "the refund is below the horizon");

        var page = await Store.ReadAllAsync(from, 100, EventFilter.ForCategory("order"));
        var next = await Store.ReadAllAsync(page.LastPosition, 100, EventFilter.ForCategory("order"));

        // A filtered subscription goes on from there, instead of scanning the refunds again each time.
        page.LastPosition.Should().BeGreaterThanOrEqualTo(skipped.Position);
        next.Events.Should().BeEmpty();
        next.IsEnd.Should().BeTrue();
    }

    [Fact]
    public async Task Events_a_filter_skips_waiting_behind_a_transaction_in_flight_leave_its_read_at_the_end()
    {
        var wanted = $"wanted{Guid.NewGuid():N}";
        var skipped = $"skipped{Guid.NewGuid():N}";
        var after = (await Store.AppendAsync(Events.NewStream(wanted), ExpectedVersion.Any, [Events.One(wanted)])).Position;
        // Other databases' transactions may hold the horizon below it for a moment.
        await Eventually.HoldsAsync(async () => (await Store.ReadAllAsync(after - 1, 1, EventFilter.ForTypes(wanted))).Events.Count == 1, "the first event is readable");
        // Reads that answer at once, without waiting for the transaction below to end: it holds
        // every database's horizon, other test classes' too, so it must not stay open for long.
        await using var reader = await EventStoreNode.StartAsync(fixture.Database.ConnectionString, new EventStoreOptions { ReadAllSettleTimeout = TimeSpan.Zero });
        await using var connection = await fixture.Node.DataSource.OpenConnectionAsync();
        await using var inFlight = await connection.BeginTransactionAsync();
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", connection, inFlight))
        {
            // Holds the horizon: whatever commits from now on lies above it until this ends.
            await xid.ExecuteScalarAsync();
        }

        await Store.AppendAsync(Events.NewStream(skipped), ExpectedVersion.Any, [Events.One(skipped)]);

        var byCategory = await reader.Store.ReadAllAsync(after, 100, EventFilter.ForCategory(wanted));
        var byType = await reader.Store.ReadAllAsync(after, 100, EventFilter.ForTypes(wanted));
        var waitingByType = await reader.Store.ReadAllAsync(after, 100, EventFilter.ForTypes(wanted, skipped));
        await inFlight.RollbackAsync();

        // Nothing they match is committed beyond the horizon: a subscription may sleep until an
        // append of its events wakes it, instead of polling while the other event waits.
        byCategory.IsEnd.Should().BeTrue();
        byType.IsEnd.Should().BeTrue();
        waitingByType.Events.Should().BeEmpty();
        waitingByType.IsEnd.Should().BeFalse("an event it matches is committed behind the transaction in flight");
    }

    [Fact]
    public async Task A_type_read_returns_only_those_event_types()
    {
        var from = await HeadAsync();
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.Any, [Events.One("opened"), Events.One("noted"), Events.One("closed"), Events.One("noted")]);

        var page = await Store.ReadAllAsync(from, 100, EventFilter.ForTypes("opened", "closed"));

        page.Events.Select(e => e.Type).Should().Equal("opened", "closed");
    }

    [Fact]
    public async Task A_correlation_read_returns_every_event_of_that_correlation_across_streams()
    {
        var correlation = new EventMetadata(CorrelationId: Guid.NewGuid().ToString());
        var a = Events.NewStream();
        var b = Events.NewStream();
        await Store.AppendAsync(a, ExpectedVersion.Any, [Events.One(metadata: correlation)]);
        await Store.AppendAsync(Events.NewStream(), ExpectedVersion.Any, [Events.One()]);
        await Store.AppendAsync(b, ExpectedVersion.Any, [Events.One(metadata: correlation)]);

        var read = await Store.ReadByCorrelationIdAsync(correlation.CorrelationId!, 100);

        read.Select(e => e.StreamId).Should().Equal(a, b);
    }

    private async Task<long> HeadAsync() => await fixture.Node.ScalarAsync("SELECT coalesce(max(position), 0) FROM es.events");
}
