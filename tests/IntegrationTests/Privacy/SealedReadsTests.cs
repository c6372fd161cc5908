using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Tickets;
using EventSourced.Infrastructure.Privacy;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Privacy;

/// <summary>
/// A reader that asks for personal data sealed (the ticket read models) gets the events as stored:
/// every other field readable, the buyer's only as ciphertext. Any other reader gets them revealed.
/// </summary>
public sealed class SealedReadsTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();

    [Fact]
    public async Task Personal_fields_stay_sealed_for_a_reader_that_asks_and_are_revealed_for_the_others()
    {
        var node = fixture.Node;
        var store = new ProtectedEventStore(node.Store, new SubjectKeyRing(new PostgresSubjectKeyStore(node.DataSource, node.Options)));
        var email = $"sealed-{Guid.NewGuid():N}@example.com";
        var order = new OrderInfo("ord-sealed", "A-1", new Customer(email, "+79001112233", "Vasilisa", "Sealova", null),
            [new TicketLine("tk-sealed-1", "ev-1", "4600000000017", null, null, "5", "12", "parterre", null, 450000, "RUB")], []);
        var position = (await store.AppendAsync("order-ord-sealed", ExpectedVersion.NoStream,
            [Registry.ToEventData(new OrderRecorded(order, "test", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty)])).Position;
        var filter = EventFilter.ForTypes("order_recorded");

        var revealed = (await store.ReadAllAsync(position - 1, 10, filter)).Events.Single();
        var sealedEvent = (await store.ReadAllAsync(position - 1, 10, filter.Sealed())).Events.Single();
        RecordedEvent subscribed;
        using (var stop = new CancellationTokenSource())
        {
            await using var events = store.SubscribeToAllAsync(position - 1, filter.Sealed(), stop.Token).GetAsyncEnumerator(stop.Token);
            (await events.MoveNextAsync()).Should().BeTrue();
            subscribed = events.Current;
            await stop.CancelAsync();
        }

        revealed.Data.Should().Contain(email).And.Contain("Sealova");
        foreach (var stored in new[] { sealedEvent, subscribed })
        {
            stored.Data.Should().NotContain(email).And.NotContain("Sealova").And.NotContain("+79001112233").And.Contain("enc:v2:");
            var recorded = Registry.Deserialize(stored).Should().BeOfType<OrderRecorded>().Subject;
            recorded.Order.Tickets.Should().Equal(order.Tickets, "everything but the buyer reads as written");
        }
    }
}
