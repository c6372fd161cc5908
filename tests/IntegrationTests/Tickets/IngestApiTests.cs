using System.Net;
using System.Text;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Google.Protobuf;
using static EventSourced.IntegrationTests.Tickets.SellerRecords;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>The seller's published records over the HTTP ingest: the same decoder the Kafka consumer uses.</summary>
public sealed class IngestApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private const string Json = "application/json";
    private const string Protobuf = "application/x-protobuf";
    private readonly HttpClient _seller = api.ClientFor("ticketland");
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task A_show_its_order_and_a_refund_in_the_sellers_json_end_in_the_read_models_without_the_buyer()
    {
        var ids = Ids.New();

        (await IngestAsync("events", ids.Show, Show(ids.Show))).Should().Be("applied");
        (await IngestAsync("orders", ids.Order, Order(ids))).Should().Be("applied");
        (await IngestAsync("refunds", ids.Refund, Refund(ids))).Should().Be("applied");

        var at = await LastPositionAsync($"refund-{ids.Refund}");
        var show = await (await _seller.GetAsync($"/api/ticket-events/{ids.Show}?minPosition={await LastPositionAsync($"order-{ids.Order}")}")).JsonAsync(HttpStatusCode.OK);
        show.GetProperty("name").GetString().Should().Be("Swan Lake");
        show.GetProperty("category").GetString().Should().Be("ballet");
        show.GetProperty("startAt").GetString().Should().Be("2026-12-31T19:00:00+03:00");
        show.GetProperty("finishAt").GetString().Should().Be("2026-12-31T22:00:00+03:00");
        show.GetProperty("organizer").GetProperty("legals").GetProperty("type").GetString().Should().Be("ru_lp");
        show.GetProperty("venue").GetProperty("cityName").GetString().Should().Be("Moscow");
        show.GetProperty("priceMin").GetInt64().Should().Be(150000);
        show.GetProperty("ticketsAvailable").GetInt32().Should().Be(311);

        var order = await (await _ops.GetAsync($"/api/orders/{ids.Order}?minPosition={at}")).JsonAsync(HttpStatusCode.OK);
        order.GetProperty("number").GetString().Should().Be($"A-{ids.Order}");
        order.GetProperty("tickets").EnumerateArray().Select(t => (t.GetProperty("ticketId").GetString(), t.GetProperty("status").GetString()))
            .Should().Equal(($"{ids.Ticket}-1", "refunded"), ($"{ids.Ticket}-2", "sold"));
        var refunded = await (await _ops.GetAsync($"/api/tickets?eventId={ids.Show}&status=refunded&minPosition={at}")).JsonAsync(HttpStatusCode.OK);
        refunded.EnumerateArray().Select(t => t.GetProperty("ticketId").GetString()).Should().Equal($"{ids.Ticket}-1");

        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        (await node.ScalarAsync($"SELECT count(*) FROM rm.tickets t WHERE t::text LIKE '%{ids.Email}%' OR t::text LIKE '%Petrova%'")).Should().Be(0, "the buyer stays in the events");
        (await StreamAsync($"order-{ids.Order}")).Single().Data.Should().Contain(ids.Email, "the application reads the buyer");
        (await api.StoredStreamAsync($"order-{ids.Order}")).Single().Data.Should().NotContain(ids.Email).And.NotContain("Petrova").And.Contain("enc:v2:", "the store holds it encrypted");
    }

    [Fact]
    public async Task A_protobuf_order_and_refund_decode_to_what_their_json_forms_do()
    {
        var ids = Ids.New();
        await IngestAsync("events", ids.Show, Show(ids.Show));

        (await IngestAsync("orders", ids.Order, OrderProto(ids), Protobuf)).Should().Be("applied");
        (await IngestAsync("refunds", ids.Refund, RefundProto(ids), Protobuf)).Should().Be("applied");

        var order = JsonDocument.Parse((await StreamAsync($"order-{ids.Order}")).Single().Data).RootElement.GetProperty("order");
        order.GetProperty("customer").GetProperty("name").GetString().Should().Be("Anna Petrova");
        var first = order.GetProperty("tickets")[0];
        (first.GetProperty("eventId").GetString(), first.GetProperty("priceNominal").GetInt64(), first.GetProperty("currency").GetString()).Should().Be((ids.Show, 450000L, "RUB"));
        (await StatusesAfterAsync(ids, $"refund-{ids.Refund}")).Should().Equal("refunded", "sold");
    }

    [Fact]
    public async Task Unknown_fields_nulls_a_new_category_and_the_drafts_full_name_are_all_taken()
    {
        var ids = Ids.New();

        (await IngestAsync("events", ids.Show, Show(ids.Show, category: "stand-up-marathon", extra: ""","age_limit":"18+","tags":["new"]"""))).Should().Be("applied");
        (await IngestAsync("orders", ids.Order, Order(ids, customer: """{"email":null,"phone":"+79001234567","name":"Anna Petrova"}""", extra: ""","payment":{"method":"card"}"""))).Should().Be("applied");

        var show = JsonDocument.Parse((await StreamAsync($"ticketevent-{ids.Show}")).Single().Data).RootElement.GetProperty("show");
        show.GetProperty("category").GetString().Should().Be("stand-up-marathon");
        show.GetProperty("groupId").ValueKind.Should().Be(JsonValueKind.Null);
        var customer = JsonDocument.Parse((await StreamAsync($"order-{ids.Order}")).Single().Data).RootElement.GetProperty("order").GetProperty("customer");
        (customer.GetProperty("name").GetString(), customer.GetProperty("email").ValueKind).Should().Be(("Anna Petrova", JsonValueKind.Null));
    }

    [Fact]
    public async Task An_order_waits_parked_for_each_of_its_shows_and_is_applied_when_the_last_arrives()
    {
        var ids = Ids.New();

        (await IngestAsync("orders", ids.Order, Order(ids, secondShow: ids.OtherShow))).Should().Be("parked");
        (await IngestAsync("events", ids.Show, Show(ids.Show))).Should().Be("applied");
        (await StreamAsync($"order-{ids.Order}")).Should().BeEmpty("its second show is still missing");
        (await IngestAsync("events", ids.OtherShow, Show(ids.OtherShow, "Nutcracker"))).Should().Be("applied");

        (await StreamAsync($"order-{ids.Order}")).Select(e => e.Type).Should().Equal("order_recorded");
        (await StreamAsync($"parked-ticketevent-{ids.Show}")).Select(e => e.Type).Should().Equal("order_parked", "parked_released");
        (await StreamAsync($"parked-ticketevent-{ids.OtherShow}")).Select(e => e.Type).Should().Equal("order_parked", "parked_released");
    }

    [Fact]
    public async Task A_refund_before_its_order_waits_and_marks_the_tickets_when_the_order_arrives()
    {
        var ids = Ids.New();
        await IngestAsync("events", ids.Show, Show(ids.Show));

        (await IngestAsync("refunds", ids.Refund, Refund(ids))).Should().Be("applied");
        var waiting = await (await _ops.GetAsync($"/api/ingest/parked?minPosition={await LastPositionAsync($"refund-{ids.Refund}")}")).JsonAsync(HttpStatusCode.OK);
        waiting.EnumerateArray().Single(p => p.GetProperty("kind").GetString() == "refund").GetProperty("waiting").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        (await IngestAsync("orders", ids.Order, Order(ids))).Should().Be("applied");

        (await StatusesAfterAsync(ids, $"order-{ids.Order}")).Should().Equal("refunded", "sold");
    }

    [Fact]
    public async Task A_refund_reported_again_with_other_tickets_gives_back_those_it_no_longer_names()
    {
        var ids = Ids.New();
        await IngestAsync("events", ids.Show, Show(ids.Show));
        await IngestAsync("orders", ids.Order, Order(ids));
        (await IngestAsync("refunds", ids.Refund, Refund(ids))).Should().Be("applied");
        (await StatusesAfterAsync(ids, $"refund-{ids.Refund}")).Should().Equal("refunded", "sold");

        (await IngestAsync("refunds", ids.Refund, Encoding.UTF8.GetBytes($$"""
            {"customer":{"email":"{{ids.Email}}","phone":"+79001234567"},"ticket_ids":["{{ids.Ticket}}-2"]}
            """))).Should().Be("applied");
        (await StatusesAfterAsync(ids, $"refund-{ids.Refund}")).Should().Equal("sold", "refunded");
    }

    [Fact]
    public async Task A_shows_tickets_page_on_from_the_last_one_listed_by_order_then_ticket()
    {
        var ids = Ids.New();
        var later = ids with { Order = $"{ids.Order}-b", Ticket = $"{ids.Ticket}-b" };
        await IngestAsync("events", ids.Show, Show(ids.Show));
        await IngestAsync("orders", later.Order, Order(later));
        await IngestAsync("orders", ids.Order, Order(ids));
        var at = await LastPositionAsync($"order-{ids.Order}");

        var pages = await Pages.ReadAsync(
            _ops, 3, last => $"/api/tickets?eventId={ids.Show}&limit=3&minPosition={at}" + (last is { } t ? $"&afterTicketId={t.GetProperty("ticketId").GetString()}" : ""));

        pages.Select(p => string.Join(" ", p.Select(t => t.GetProperty("ticketId").GetString()))).Should().Equal($"{ids.Ticket}-1 {ids.Ticket}-2 {later.Ticket}-1", $"{later.Ticket}-2");
        (await (await _ops.GetAsync($"/api/tickets?eventId={ids.Show}&afterTicketId=no-such-ticket")).JsonAsync(HttpStatusCode.OK))
            .GetArrayLength().Should().Be(0, "an unknown ticket is no place to page from");
        // An order that sorts before this show's: from it, every ticket of this show would follow.
        var other = Ids.New() with { Order = $"ord-0-{ids.Order}" };
        await IngestAsync("events", other.Show, Show(other.Show));
        await IngestAsync("orders", other.Order, Order(other));
        var otherAt = await LastPositionAsync($"order-{other.Order}");
        (await TicketIdsAsync($"eventId={ids.Show}&afterTicketId={other.Ticket}-1&minPosition={otherAt}")).Should().BeEmpty("a ticket of another show is no place to page from either");
        (await TicketIdsAsync($"eventId={ids.Show}&status=sold&afterTicketId={ids.Ticket}-1&limit=2"))
            .Should().Equal($"{ids.Ticket}-2", $"{later.Ticket}-1");
        (await TicketIdsAsync($"afterTicketId={ids.Ticket}-2&limit=2")).Should().Equal([$"{later.Ticket}-1", $"{later.Ticket}-2"], "every show's tickets are listed show by show");
    }

    private async Task<IEnumerable<string?>> TicketIdsAsync(string query) =>
        (await (await _ops.GetAsync($"/api/tickets?{query}")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Select(t => t.GetProperty("ticketId").GetString());

    /// <summary>The order as the read models show it once they hold what <paramref name="stream"/> last appended.</summary>
    private async Task<JsonElement> OrderAfterAsync(Ids ids, string stream) =>
        await (await _ops.GetAsync($"/api/orders/{ids.Order}?minPosition={await LastPositionAsync(stream)}")).JsonAsync(HttpStatusCode.OK);

    private async Task<List<string?>> StatusesAfterAsync(Ids ids, string stream) =>
        [.. (await OrderAfterAsync(ids, stream)).GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("status").GetString())];

    [Fact]
    public async Task The_same_record_again_changes_nothing_and_an_order_with_other_content_is_recorded_as_a_change()
    {
        var ids = Ids.New();
        await IngestAsync("orders", ids.Order, Order(ids));
        (await IngestAsync("orders", ids.Order, Order(ids))).Should().Be("parked");
        (await StreamAsync($"parked-ticketevent-{ids.Show}")).Should().ContainSingle("a redelivered parked order is parked once");
        await IngestAsync("events", ids.Show, Show(ids.Show));
        var count = await api.EventCountAsync();

        (await IngestAsync("events", ids.Show, Show(ids.Show))).Should().Be("unchanged");
        (await IngestAsync("orders", ids.Order, Order(ids))).Should().Be("unchanged");
        (await IngestAsync("refunds", ids.Refund, Refund(ids))).Should().Be("applied");
        (await IngestAsync("refunds", ids.Refund, Refund(ids))).Should().Be("unchanged");
        (await api.EventCountAsync()).Should().Be(count + 1);

        (await IngestAsync("orders", ids.Order, Order(ids, customer: $$"""{"email":"{{ids.Email}}","phone":"+79009999999"}"""))).Should().Be("applied");
        (await StreamAsync($"order-{ids.Order}")).Select(e => e.Type).Should().Equal("order_recorded", "order_recorded");
    }

    [Fact]
    public async Task A_ticket_named_twice_keeps_its_last_line_and_a_changed_order_replaces_its_tickets()
    {
        var ids = Ids.New();
        await IngestAsync("events", ids.Show, Show(ids.Show));
        var twice = Encoding.UTF8.GetBytes($$"""
            {"id":"{{ids.Order}}","number":"A-{{ids.Order}}","customer":{"email":"{{ids.Email}}","phone":"+79001234567"},
             "tickets":[
               {"id":"{{ids.Ticket}}-1","event_id":"{{ids.Show}}","barcode":"4600000000017","seat":"12","category":"parterre"},
               {"id":"{{ids.Ticket}}-2","event_id":"{{ids.Show}}","barcode":"4600000000024","seat":"13","category":"parterre"},
               {"id":"{{ids.Ticket}}-1","event_id":"{{ids.Show}}","barcode":"4600000000017","seat":"14","category":"parterre","price_nominal":100,"currency":"EUR"}]}
            """);
        (await IngestAsync("orders", ids.Order, twice)).Should().Be("applied");
        var tickets = await TicketsAsync(ids);
        tickets.Should().Equal(($"{ids.Ticket}-1", "14", 100L), ($"{ids.Ticket}-2", "13", null));

        (await IngestAsync("orders", ids.Order, Encoding.UTF8.GetBytes($$"""
            {"id":"{{ids.Order}}","number":"A-{{ids.Order}}","customer":{"email":"{{ids.Email}}","phone":"+79001234567"},
             "tickets":[{"id":"{{ids.Ticket}}-2","event_id":"{{ids.Show}}","barcode":"4600000000024","seat":"15","category":"parterre"}]}
            """))).Should().Be("applied");
        (await TicketsAsync(ids)).Should().Equal(($"{ids.Ticket}-2", "15", null));
    }

    private async Task<List<(string?, string?, long?)>> TicketsAsync(Ids ids)
    {
        var order = await OrderAfterAsync(ids, $"order-{ids.Order}");
        return order.GetProperty("tickets").EnumerateArray()
            .Select(t => (t.GetProperty("ticketId").GetString(), t.GetProperty("seat").GetString(), t.GetProperty("priceNominal").ValueKind == JsonValueKind.Null ? null : (long?)t.GetProperty("priceNominal").GetInt64()))
            .ToList();
    }

    public static TheoryData<string, string, string, string?, string, string> BadRecords => new()
    {
        { "key is not the id", "events", Json, "1.0", "other-key", "key" },
        { "schema 2.0", "events", Json, "2.0", "k1", "schema-version" },
        { "schema nonsense", "events", Json, "one", "k1", "schema-version" },
        { "no schema header", "events", Json, null, "k1", "schema-version" },
        { "malformed json", "events", Json, "1.0", "k1", "body" },
        { "an order without a phone", "orders", Json, "1.0", "k1", "customer.phone" },
        { "a show without its offset", "events", Json, "1.0", "k1", "offset" },
        { "garbage protobuf", "orders", Protobuf, "1.0", "k1", "body" },
        { "NUL in a protobuf string", "orders", Protobuf, "1.0", "k1", "tickets[0].barcode" },
        { "a show in protobuf", "events", Protobuf, "1.0", "k1", "content-type" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task A_bad_record_is_a_400_naming_the_problem_and_appends_nothing(string why, string kind, string contentType, string? schemaVersion, string key, string field)
    {
        var ids = Ids.New() with { Order = "k1", Show = "k1" };
        var before = await api.EventCountAsync();
        var body = why switch
        {
            "malformed json" => Encoding.UTF8.GetBytes("not json"),
            "an order without a phone" => Order(ids, customer: """{"email":"a@example.com","phone":null}"""),
            "a show without its offset" => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Show("k1")).Replace("\"offset\":3,", "", StringComparison.Ordinal)),
            "garbage protobuf" => [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01],
            // JSON bodies are guarded at the edge; protobuf strings reach the decoder.
            "NUL in a protobuf string" => NulBarcode(ids),
            _ => Show("k1"),
        };

        var response = await SendAsync(kind, key, contentType, body, schemaVersion);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue($"{why}: {problem}");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Another_content_type_is_a_415_and_an_unknown_kind_a_404()
    {
        await (await SendAsync("events", "k1", "text/csv", Encoding.UTF8.GetBytes("k1,x"))).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await SendAsync("tickets", "k1", Json, Encoding.UTF8.GetBytes("{}"))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_source_may_only_send_its_own_application_id_and_users_may_not_ingest()
    {
        await (await SendAsync("events", "k1", Json, Show("k1"), applicationId: "kassir")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        using var request = IngestRequest("events", "k1", Show("k1"));
        await (await api.ClientFor("alice").SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    private static byte[] NulBarcode(Ids ids)
    {
        var order = Infrastructure.Tickets.Protos.Order.Parser.ParseFrom(OrderProto(ids));
        order.Tickets[0].Barcode = "46\u000000";
        return order.ToByteArray();
    }

    private async Task<string> IngestAsync(string kind, string key, byte[] body, string contentType = Json)
    {
        var response = await SendAsync(kind, key, contentType, body);
        return (await response.JsonAsync(HttpStatusCode.Accepted)).GetProperty("status").GetString()!;
    }

    private Task<HttpResponseMessage> SendAsync(string kind, string key, string contentType, byte[] body, string? schemaVersion = "1.0", string applicationId = "ticketland") =>
        _seller.SendAsync(IngestRequest(kind, key, body, contentType, schemaVersion, applicationId));

    private async Task<long> LastPositionAsync(string stream) => (await StreamAsync(stream))[^1].Position;

    private Task<IReadOnlyList<RecordedEvent>> StreamAsync(string stream) => api.StreamAsync(stream);
}
