using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EventSourced.Infrastructure.Tickets.Protos;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Google.Protobuf;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>
/// Records in the seller's published contract (its TypeScript types and vibe.v1 protobuf schema),
/// with fresh ids: what its Kafka topics and HTTP senders carry.
/// </summary>
public static class SellerRecords
{
    /// <summary>Ids unique to one test: a show, a second show, an order, a refund and a ticket prefix.</summary>
    public sealed record Ids(string Show, string OtherShow, string Order, string Refund, string Ticket)
    {
        public static Ids New()
        {
            var n = Guid.NewGuid().ToString("N")[..10];
            return new Ids($"ev-{n}", $"ev2-{n}", $"ord-{n}", $"ref-{n}", $"tk-{n}");
        }

        public string Email => $"buyer-{Order}@example.com";
    }

    /// <summary>Sends a JSON record as the seller's HTTP sender does, expects it applied, and returns the position of its events.</summary>
    public static async Task<long> IngestAsync(HttpClient seller, string kind, string key, byte[] body)
    {
        using var request = IngestRequest(kind, key, body);
        var accepted = await (await seller.SendAsync(request)).JsonAsync(HttpStatusCode.Accepted);
        accepted.GetProperty("status").GetString().Should().Be("applied");
        return accepted.GetProperty("position").GetInt64();
    }

    /// <summary>A record for the HTTP ingest, with the contract's headers (a null schema version leaves its header out).</summary>
    public static HttpRequestMessage IngestRequest(
        string kind, string key, byte[] body, string contentType = "application/json", string? schemaVersion = "1.0", string applicationId = "ticketland")
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

    // 2026-12-31 19:00 and 22:00 at UTC+3: the show's local evening.
    public const long StartAt = 1_798_732_800;
    public const long FinishAt = 1_798_743_600;

    public static byte[] Show(string id, string name = "Swan Lake", string category = "ballet", string extra = "") => Utf8(extra, $$"""
        {"id":"{{id}}","group_id":null,"name":"{{name}}","status":"active","category":"{{category}}","start_at":{{StartAt}},"finish_at":{{FinishAt}},"offset":3,
         "media":"https://cdn.example/{{id}}.jpg","description":null,
         "organizer":{"id":"org-1","name":"Bolshoi","legals":{"name":"Bolshoi Theatre","type":"ru_lp","inn":"7710000000","ogrn":null} },
         "venue":{"id":"v-1","name":"Historic Stage","address":"Teatralnaya 1","city_name":"Moscow","lat":55.76,"lon":37.6186} }
        """);

    /// <summary>An order of two tickets (the second for <paramref name="secondShow"/>, the first show if not given), with availability in its meta.</summary>
    public static byte[] Order(Ids ids, string? secondShow = null, string customer = "", string extra = "") => Utf8(extra, $$"""
        {"id":"{{ids.Order}}","number":"A-{{ids.Order}}",
         "customer":{{(customer.Length > 0 ? customer : $$"""{"email":"{{ids.Email}}","phone":"+79001234567","first_name":"Anna","last_name":"Petrova"}""")}},
         "tickets":[
           {"id":"{{ids.Ticket}}-1","event_id":"{{ids.Show}}","barcode":"4600000000017","number":"17","series":"AA","row":"5","seat":"12","category":"parterre","price_nominal":450000,"currency":"RUB"},
           {"id":"{{ids.Ticket}}-2","event_id":"{{secondShow ?? ids.Show}}","barcode":"4600000000024","row":null,"seat":null,"category":"balcony","description":"Standing","price_nominal":150000,"currency":"RUB"}],
         "meta":{"events":[{"id":"{{ids.Show}}","price_min":150000,"currency":"RUB","tickets_available":311}]} }
        """);

    /// <summary>The record with <paramref name="extra"/> (more fields, each with its leading comma) added at its end.</summary>
    private static byte[] Utf8(string extra, string json) => Encoding.UTF8.GetBytes(json[..json.LastIndexOf('}')] + extra + "}");

    public static byte[] Refund(Ids ids) => Encoding.UTF8.GetBytes($$"""
        {"customer":{"email":"{{ids.Email}}","phone":"+79001234567"},"ticket_ids":["{{ids.Ticket}}-1"]}
        """);

    public static byte[] OrderProto(Ids ids)
    {
        var order = new Order { Id = ids.Order, EventId = ids.Show, OrganizerId = "org-1", Customer = new Customer { Email = ids.Email, Phone = "+79001234567", Name = "Anna Petrova" } };
        order.Tickets.Add(new Ticket { Id = $"{ids.Ticket}-1", Barcode = "4600000000017", Row = "5", Seat = "12", Category = "parterre", PriceNominal = 450000, Currency = Currency.Rub });
        order.Tickets.Add(new Ticket { Id = $"{ids.Ticket}-2", Barcode = "4600000000024", Category = "balcony", PriceNominal = 150000, Currency = Currency.Rub });
        return order.ToByteArray();
    }

    public static byte[] RefundProto(Ids ids)
    {
        var refund = new Refund();
        refund.TicketIds.Add($"{ids.Ticket}-1");
        return refund.ToByteArray();
    }
}
