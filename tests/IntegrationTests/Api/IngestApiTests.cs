using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.Tickets.Protos;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EventSourced.IntegrationTests.Api;

public sealed class IngestApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _seller = api.ClientFor("ticketland");

    [Fact]
    public async Task A_show_its_order_and_a_refund_in_json_are_applied_and_the_refund_marks_its_tickets()
    {
        var (show, order, refund) = Ids();

        (await IngestJsonAsync("events", show, ShowJson(show))).Should().Be("applied");
        (await IngestJsonAsync("orders", order, OrderJson(order, show))).Should().Be("applied");
        (await IngestJsonAsync("refunds", refund, RefundJson(refund, order))).Should().Be("applied");

        var events = await StreamAsync($"order-{order}");
        events.Select(e => e.Type).Should().Equal("order_recorded", "refund_applied");
        JsonDocument.Parse(events[1].Data).RootElement.GetProperty("ticketIds").EnumerateArray().Select(t => t.GetString()).Should().Equal("t1");
        events[0].Metadata.Actor.Should().Be("ticketland");
    }

    [Fact]
    public async Task An_orders_history_shows_it_before_and_after_its_refund()
    {
        var (show, order, refund) = Ids();
        await IngestJsonAsync("events", show, ShowJson(show));
        await IngestJsonAsync("orders", order, OrderJson(order, show));
        await IngestJsonAsync("refunds", refund, RefundJson(refund, order));

        var before = await (await _seller.GetAsync($"/api/orders/{order}/history?asOf=0")).JsonAsync(System.Net.HttpStatusCode.OK);
        var after = await (await _seller.GetAsync($"/api/orders/{order}/history?asOf=1")).JsonAsync(System.Net.HttpStatusCode.OK);

        before.GetProperty("refunds").GetArrayLength().Should().Be(0);
        before.GetProperty("tickets")[0].GetProperty("status").GetString().Should().NotBe("refunded");
        after.GetProperty("refunds").EnumerateArray().Select(r => r.GetString()).Should().Equal(refund);
        after.GetProperty("tickets")[0].GetProperty("status").GetString().Should().Be("refunded");
        await (await _seller.GetAsync($"/api/orders/unknown-{order}/history?asOf=0")).ShouldBeProblemAsync(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Protobuf_records_decode_to_the_same_events_as_json()
    {
        var (jsonShow, _, _) = Ids();
        var (protoShow, protoOrder, _) = Ids();
        await IngestJsonAsync("events", jsonShow, ShowJson(jsonShow));

        var status = await IngestAsync("events", protoShow, "application/x-protobuf", new TicketEvent
        {
            EventId = protoShow, Title = "Swan Lake", Venue = "Bolshoi", Start = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 31, 19, 0, 0, TimeSpan.Zero)), Status = "on_sale",
        }.ToByteArray());
        var order = new Order { OrderId = protoOrder, EventId = protoShow, Status = "paid" };
        order.Tickets.Add(new Ticket { TicketId = "t1", Seat = "A1", Price = "1500.00", Status = "sold" });
        (await IngestAsync("orders", protoOrder, "application/x-protobuf", order.ToByteArray())).Should().Be("applied");

        status.Should().Be("applied");
        var fromJson = JsonDocument.Parse((await StreamAsync($"ticketevent-{jsonShow}")).Single().Data).RootElement;
        var fromProto = JsonDocument.Parse((await StreamAsync($"ticketevent-{protoShow}")).Single().Data).RootElement;
        fromProto.GetProperty("title").GetString().Should().Be(fromJson.GetProperty("title").GetString());
        fromProto.GetProperty("start").GetDateTimeOffset().Should().Be(fromJson.GetProperty("start").GetDateTimeOffset());
        JsonDocument.Parse((await StreamAsync($"order-{protoOrder}")).Single().Data).RootElement
            .GetProperty("tickets")[0].GetProperty("price").GetDecimal().Should().Be(1500.00m);
    }

    [Fact]
    public async Task An_order_before_its_show_is_parked_and_applied_when_the_show_arrives()
    {
        var (show, order, _) = Ids();

        (await IngestJsonAsync("orders", order, OrderJson(order, show))).Should().Be("parked");
        (await StreamAsync($"order-{order}")).Should().BeEmpty();
        (await IngestJsonAsync("events", show, ShowJson(show))).Should().Be("applied");

        (await StreamAsync($"order-{order}")).Select(e => e.Type).Should().Equal("order_recorded");
        (await StreamAsync($"parked-ticketevent-{show}")).Select(e => e.Type).Should().Equal("order_parked", "parked_released");
    }

    [Fact]
    public async Task A_refund_before_its_order_before_its_show_is_applied_once_all_arrive()
    {
        var (show, order, refund) = Ids();

        (await IngestJsonAsync("refunds", refund, RefundJson(refund, order))).Should().Be("parked");
        (await IngestJsonAsync("orders", order, OrderJson(order, show))).Should().Be("parked");
        await IngestJsonAsync("events", show, ShowJson(show));

        (await StreamAsync($"order-{order}")).Select(e => e.Type).Should().Equal("order_recorded", "refund_applied");
    }

    [Fact]
    public async Task A_redelivered_record_changes_nothing_and_a_redelivered_parked_one_is_parked_once()
    {
        var (show, order, _) = Ids();
        await IngestJsonAsync("orders", order, OrderJson(order, show));
        (await IngestJsonAsync("orders", order, OrderJson(order, show))).Should().Be("parked");
        (await StreamAsync($"parked-ticketevent-{show}")).Should().ContainSingle();

        await IngestJsonAsync("events", show, ShowJson(show));
        var count = await api.EventCountAsync();
        (await IngestJsonAsync("events", show, ShowJson(show))).Should().Be("unchanged");
        (await IngestJsonAsync("orders", order, OrderJson(order, show))).Should().Be("unchanged");
        (await api.EventCountAsync()).Should().Be(count);
    }

    [Fact]
    public async Task The_read_side_shows_the_show_the_order_with_refunded_tickets_and_what_waits_parked()
    {
        var (show, order, refund) = Ids();
        var (_, earlyOrder, _) = Ids();
        var missingShow = $"missing{Guid.NewGuid():N}"[..20];
        await IngestJsonAsync("events", show, ShowJson(show));
        await IngestJsonAsync("orders", order, OrderJson(order, show));
        await IngestJsonAsync("refunds", refund, RefundJson(refund, order));
        await IngestJsonAsync("orders", earlyOrder, OrderJson(earlyOrder, missingShow));
        var ops = api.ClientFor("ops");

        var refunded = (await StreamAsync($"order-{order}"))[^1].Position;
        var orderView = await (await ops.GetAsync($"/api/orders/{order}?minPosition={refunded}")).JsonAsync(HttpStatusCode.OK);
        var shown = (await StreamAsync($"ticketevent-{show}"))[^1].Position;
        var showView = await (await _seller.GetAsync($"/api/ticket-events/{show}?minPosition={shown}")).JsonAsync(HttpStatusCode.OK);
        var refundedTickets = await (await ops.GetAsync($"/api/tickets?eventId={show}&status=refunded")).JsonAsync(HttpStatusCode.OK);
        var parkedAt = (await StreamAsync($"parked-ticketevent-{missingShow}"))[^1].Position;
        var parked = await (await ops.GetAsync($"/api/ingest/parked?minPosition={parkedAt}")).JsonAsync(HttpStatusCode.OK);

        orderView.GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("status").GetString()).Should().Equal("refunded", "sold");
        showView.GetProperty("title").GetString().Should().Be("Swan Lake");
        refundedTickets.EnumerateArray().Select(t => t.GetProperty("ticketId").GetString()).Should().Equal("t1");
        parked.EnumerateArray().Single(p => p.GetProperty("kind").GetString() == "order").GetProperty("waiting").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        await (await ops.GetAsync($"/api/orders/{Guid.NewGuid():N}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await api.ClientFor("alice").GetAsync($"/api/orders/{order}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    public static TheoryData<string, string, string?, string, string> BadRecords => new()
    {
        { "key mismatch", "application/json", "1.0", "other-key", "key" },
        { "schema 2.0", "application/json", "2.0", "k1", "schema-version" },
        { "schema nonsense", "application/json", "one", "k1", "schema-version" },
        { "no schema header", "application/json", null, "k1", "schema-version" },
        { "malformed json", "application/json", "1.0", "k1", "body" },
        { "garbage protobuf", "application/x-protobuf", "1.0", "k1", "body" },
        { "NUL in a protobuf string", "application/x-protobuf", "1.0", "k1", "title" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task A_bad_record_is_a_400_naming_the_problem_and_appends_nothing(string why, string contentType, string? schemaVersion, string key, string field)
    {
        var before = await api.EventCountAsync();
        var body = why switch
        {
            "malformed json" => Encoding.UTF8.GetBytes("""{"eventId":"k1","title":"""),
            "garbage protobuf" => [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01],
            // JSON bodies are guarded at the edge; protobuf strings reach the decoder.
            "NUL in a protobuf string" => new TicketEvent
            {
                EventId = "k1", Title = "Swan\0Lake", Venue = "Bolshoi", Start = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Status = "on_sale",
            }.ToByteArray(),
            _ => Encoding.UTF8.GetBytes(ShowJson("k1")),
        };

        var response = await SendAsync("events", key, contentType, body, schemaVersion);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(why);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Another_content_type_is_a_415_and_an_unknown_kind_a_404()
    {
        await (await SendAsync("events", "k1", "text/csv", Encoding.UTF8.GetBytes("k1,x"))).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await SendAsync("tickets", "k1", "application/json", Encoding.UTF8.GetBytes("{}"))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_source_may_only_send_its_own_application_id_and_users_may_not_ingest()
    {
        await (await SendAsync("events", "k1", "application/json", Encoding.UTF8.GetBytes(ShowJson("k1")), applicationId: "kassir")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        using var request = Request("events", "k1", "application/json", Encoding.UTF8.GetBytes(ShowJson("k1")), "1.0", "ticketland");
        await (await api.ClientFor("alice").SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    private static (string Show, string Order, string Refund) Ids()
    {
        var n = Guid.NewGuid().ToString("N")[..8];
        return ($"e{n}", $"o{n}", $"r{n}");
    }

    private static string ShowJson(string id) => $$"""{"eventId":"{{id}}","title":"Swan Lake","venue":"Bolshoi","start":"2026-12-31T19:00:00+00:00","status":"on_sale"}""";

    private static string OrderJson(string id, string show) =>
        $$"""{"orderId":"{{id}}","eventId":"{{show}}","status":"paid","tickets":[{"ticketId":"t1","seat":"A1","price":"1500.00","status":"sold"},{"ticketId":"t2","seat":"A2","price":1500,"status":"sold"}]}""";

    private static string RefundJson(string id, string order) => $$"""{"refundId":"{{id}}","orderId":"{{order}}","ticketIds":["t1"],"status":"completed"}""";

    private Task<string> IngestJsonAsync(string kind, string key, string json) => IngestAsync(kind, key, "application/json", Encoding.UTF8.GetBytes(json));

    private async Task<string> IngestAsync(string kind, string key, string contentType, byte[] body)
    {
        var response = await SendAsync(kind, key, contentType, body);
        return (await response.JsonAsync(HttpStatusCode.Accepted)).GetProperty("status").GetString()!;
    }

    private Task<HttpResponseMessage> SendAsync(string kind, string key, string contentType, byte[] body, string? schemaVersion = "1.0", string applicationId = "ticketland") =>
        _seller.SendAsync(Request(kind, key, contentType, body, schemaVersion, applicationId));

    private static HttpRequestMessage Request(string kind, string key, string contentType, byte[] body, string? schemaVersion, string applicationId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/ingest/{kind}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-Message-Key", key);
        request.Headers.Add("application-id", applicationId);
        if (schemaVersion is not null)
        {
            request.Headers.Add("schema-version", schemaVersion);
        }

        return request;
    }

    private Task<IReadOnlyList<RecordedEvent>> StreamAsync(string stream) => api.StreamAsync(stream);
}
