using System.Text.Json;
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
        var store = node.ProtectedStore();
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

    [Fact]
    public async Task Sealing_leaves_every_other_field_as_written_and_seals_escaped_non_ascii_and_repeated_values()
    {
        // Sealing splices the sealed texts into the event's text: the positions of the personal
        // strings must hold after non-ASCII text and escapes, and a repeated field must not stay
        // in clear (PostgreSQL keeps the last of a repeated key, a naive splice the first).
        var node = fixture.Node;
        var store = node.ProtectedStore();
        var contact = Guid.NewGuid();
        var data = $$"""
            {"note":"Привет, \"мир\" 👋","contactId":"{{contact}}","ownerId":"owner-splice","name":"Зинаида \"Зина\" Сплайсова",
             "telegram":"@zina_first","telegram":"@zina_repeated","whatsApp":null,"viber":"viber-zina","addedAt":"2026-12-03T08:00:00+00:00"}
            """;
        var stream = $"contact-{contact:N}";

        await store.AppendAsync(stream, ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "contact_added", data, EventMetadata.Empty)]);

        var stored = (await node.Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 1)).Single().Data;
        foreach (var clear in new[] { "Сплайсова", "Зина", "zina_first", "zina_repeated", "viber-zina" })
        {
            stored.Should().NotContain(clear);
        }

        using var storedJson = JsonDocument.Parse(stored);
        storedJson.RootElement.GetProperty("note").GetString().Should().Be("Привет, \"мир\" 👋");
        storedJson.RootElement.GetProperty("ownerId").GetString().Should().Be("owner-splice");
        storedJson.RootElement.GetProperty("addedAt").GetString().Should().Be("2026-12-03T08:00:00+00:00");
        storedJson.RootElement.GetProperty("whatsApp").ValueKind.Should().Be(JsonValueKind.Null);

        using var revealed = JsonDocument.Parse((await store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 1)).Single().Data);
        revealed.RootElement.GetProperty("name").GetString().Should().Be("Зинаида \"Зина\" Сплайсова");
        revealed.RootElement.GetProperty("viber").GetString().Should().Be("viber-zina");
        revealed.RootElement.GetProperty("telegram").GetString().Should().BeOneOf("@zina_first", "@zina_repeated");
    }
}
