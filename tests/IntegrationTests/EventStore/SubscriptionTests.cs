using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class SubscriptionTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private IEventStore Store => fixture.Node.Store;

    [Fact]
    public async Task A_subscription_catches_up_from_its_checkpoint_then_receives_live_events()
    {
        var checkpoint = await HeadAsync();
        var stream = Events.NewStream();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(3));
        using var stop = new CancellationTokenSource();
        await using var subscription = Store.SubscribeToAllAsync(checkpoint, EventFilter.ForCategory("test"), stop.Token).GetAsyncEnumerator();

        var caughtUp = await TakeAsync(subscription, 3);
        var live = Events.Many(2);
        await Store.AppendAsync(stream, ExpectedVersion.Exactly(2), live);
        var received = await TakeAsync(subscription, 2);

        caughtUp.Select(e => e.StreamVersion).Should().Equal(0, 1, 2);
        received.Select(e => e.EventId).Should().Equal(live.Select(e => e.EventId));
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_subscription_from_the_last_position_misses_nothing_that_comes_next()
    {
        var stream = Events.NewStream("now");
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(2));

        var now = await Store.LastPositionAsync();
        using var stop = new CancellationTokenSource();
        await using var subscription = Store.SubscribeToAllAsync(now, EventFilter.ForCategory("now"), stop.Token).GetAsyncEnumerator();
        var next = Events.Many(1);
        await Store.AppendAsync(stream, ExpectedVersion.Exactly(1), next);

        // Other databases' transactions in flight hold the horizon back, so a few earlier events may come first.
        var received = new List<RecordedEvent>();
        while (received.Count == 0 || received[^1].EventId != next[0].EventId)
        {
            received.AddRange(await TakeAsync(subscription, 1));
        }

        received.Should().OnlyContain(e => e.Position > now).And.HaveCountLessThanOrEqualTo(3);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_category_subscription_skips_other_categories()
    {
        var checkpoint = await HeadAsync();
        using var stop = new CancellationTokenSource();
        await using var subscription = Store.SubscribeToAllAsync(checkpoint, EventFilter.ForCategory("invoice"), stop.Token).GetAsyncEnumerator();

        await Store.AppendAsync(Events.NewStream("receipt"), ExpectedVersion.Any, Events.Many(2));
        var invoice = Events.NewStream("invoice");
        await Store.AppendAsync(invoice, ExpectedVersion.Any, Events.Many(1));

        (await TakeAsync(subscription, 1)).Single().StreamId.Should().Be(invoice);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Another_node_hears_of_an_append_through_a_postgres_notification()
    {
        await using var other = await EventStoreNode.StartAsync(fixture.Database.ConnectionString);
        await other.Notifications.Listening.WaitAsync(Wait.Patience);
        var pulse = other.Notifications.Signal.NextPulse(EventFilter.All);

        await Store.AppendAsync(Events.NewStream(), ExpectedVersion.Any, [Events.One()]);

        await pulse.WaitAsync(Wait.Patience);
    }

    [Fact]
    public async Task An_append_here_wakes_only_the_waiters_whose_filter_matches_its_events()
    {
        var signal = fixture.Node.Notifications.Signal;
        var category = $"woken{Guid.NewGuid():N}";
        var type = $"woken{Guid.NewGuid():N}";
        var byCategory = signal.NextPulse(EventFilter.ForCategory(category));
        var byType = signal.NextPulse(EventFilter.ForTypes(type));
        var everything = signal.NextPulse(EventFilter.All);

        // The signal is pulsed before an append returns.
        await Store.AppendAsync(Events.NewStream("unrelated"), ExpectedVersion.Any, [Events.One()]);
        var afterUnrelated = (byCategory.IsCompleted, byType.IsCompleted, everything.IsCompleted);
        await Store.AppendAsync(Events.NewStream(category), ExpectedVersion.Any, [Events.One()]);
        var afterCategory = (byCategory.IsCompleted, byType.IsCompleted);
        await Store.AppendAsync(Events.NewStream("unrelated"), ExpectedVersion.Any, [Events.One("noted"), Events.One(type)]);

        afterUnrelated.Should().Be((false, false, true));
        afterCategory.Should().Be((true, false));
        byType.IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task A_subscription_on_another_node_receives_appends_without_waiting_for_its_poll()
    {
        var checkpoint = await HeadAsync();
        // Ten minutes between polls: only a notification can deliver within the test's patience.
        await using var other = await EventStoreNode.StartAsync(fixture.Database.ConnectionString, new EventStoreOptions { PollInterval = TimeSpan.FromMinutes(10) });
        await other.Notifications.Listening.WaitAsync(Wait.Patience);
        using var stop = new CancellationTokenSource();
        await using var subscription = other.Store.SubscribeToAllAsync(checkpoint, EventFilter.ForCategory("remote"), stop.Token).GetAsyncEnumerator();
        var first = TakeAsync(subscription, 1);

        var appended = Events.One();
        await Store.AppendAsync(Events.NewStream("remote"), ExpectedVersion.Any, [appended]);

        (await first).Single().EventId.Should().Be(appended.EventId);
        await stop.CancelAsync();
    }

    private static async Task<List<RecordedEvent>> TakeAsync(IAsyncEnumerator<RecordedEvent> subscription, int count)
    {
        var taken = new List<RecordedEvent>();
        while (taken.Count < count)
        {
            (await subscription.MoveNextAsync().AsTask().WaitAsync(Wait.Patience)).Should().BeTrue();
            taken.Add(subscription.Current);
        }

        return taken;
    }

    private async Task<long> HeadAsync() => await fixture.Node.ScalarAsync("SELECT coalesce(max(position), 0) FROM es.events");
}
