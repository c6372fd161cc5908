using System.Globalization;
using System.Text.Json;
using EventSourced.Application.Tickets;
using EventSourced.Domain.Tickets;
using Google.Protobuf;

namespace EventSourced.Infrastructure.Tickets;

/// <summary>
/// Decodes the seller's records from JSON or protobuf into the same commands. Schema versions
/// of major 1 are understood (minor versions only add fields, which both formats ignore).
/// </summary>
public sealed class TicketMessageDecoder : ITicketMessageDecoder
{
    public const string Json = "application/json";
    public const string Protobuf = "application/x-protobuf";
    private const int SupportedMajor = 1;
    private const int MaxIdLength = 100;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    public ITicketCommand Decode(TicketMessageKind kind, TicketEnvelope envelope, ReadOnlyMemory<byte> body)
    {
        CheckSchemaVersion(envelope.SchemaVersion);
        var mediaType = envelope.ContentType.Split(';')[0].Trim().ToLowerInvariant();
        ITicketCommand command = (kind, mediaType) switch
        {
            (TicketMessageKind.Events, Json) => FromJson(ParseJson<TicketEventJson>(body), envelope),
            (TicketMessageKind.Orders, Json) => FromJson(ParseJson<OrderJson>(body), envelope),
            (TicketMessageKind.Refunds, Json) => FromJson(ParseJson<RefundJson>(body), envelope),
            (TicketMessageKind.Events, Protobuf) => FromProto(ParseProto(Protos.TicketEvent.Parser, body), envelope),
            (TicketMessageKind.Orders, Protobuf) => FromProto(ParseProto(Protos.Order.Parser, body), envelope),
            (TicketMessageKind.Refunds, Protobuf) => FromProto(ParseProto(Protos.Refund.Parser, body), envelope),
            _ => throw new UnsupportedContentTypeException(envelope.ContentType),
        };

        var id = command switch
        {
            IngestTicketEvent e => e.EventId,
            IngestOrder o => o.OrderId,
            IngestRefund r => r.RefundId,
            _ => "",
        };
        return id == envelope.Key ? command : throw new UndecodableMessageException("key", $"The record key '{envelope.Key}' is not the entity id '{id}'.");
    }

    private static void CheckSchemaVersion(string version)
    {
        var major = version.Split('.')[0];
        if (!int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new UndecodableMessageException("schema-version", $"'{version}' is not a version such as 1.0.");
        }

        if (number != SupportedMajor)
        {
            throw new UndecodableMessageException("schema-version", $"Major version {number} is not supported; this service reads {SupportedMajor}.x.");
        }
    }

    private static T ParseJson<T>(ReadOnlyMemory<byte> body)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, JsonOptions) ?? throw new UndecodableMessageException("body", "The body is null.");
        }
        catch (JsonException e)
        {
            throw new UndecodableMessageException("body", e.Message);
        }
    }

    private static T ParseProto<T>(MessageParser<T> parser, ReadOnlyMemory<byte> body)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new UndecodableMessageException("body", e.Message);
        }
    }

    private static IngestTicketEvent FromJson(TicketEventJson j, TicketEnvelope env) =>
        new(Id(j.EventId, "eventId"), Text(j.Title, "title"), Text(j.Venue, "venue"), j.Start ?? throw Missing("start"), Text(j.Status, "status"), env.ApplicationId, env.ReceivedAt);

    private static IngestOrder FromJson(OrderJson j, TicketEnvelope env) =>
        new(Id(j.OrderId, "orderId"), Id(j.EventId, "eventId"), (j.Tickets ?? throw Missing("tickets")).Select(Line).ToList(), Text(j.Status, "status"), env.ApplicationId, env.ReceivedAt);

    private static IngestRefund FromJson(RefundJson j, TicketEnvelope env) =>
        new(Id(j.RefundId, "refundId"), Id(j.OrderId, "orderId"), (j.TicketIds ?? throw Missing("ticketIds")).Select(t => Id(t, "ticketIds")).ToList(), Text(j.Status, "status"), env.ApplicationId, env.ReceivedAt);

    private static TicketLine Line(TicketJson t) =>
        new(Id(t.TicketId, "tickets.ticketId"), Text(t.Seat, "tickets.seat"), t.Price is >= 0 ? t.Price.Value : throw Missing("tickets.price"), Text(t.Status, "tickets.status"));

    private static IngestTicketEvent FromProto(Protos.TicketEvent p, TicketEnvelope env) =>
        new(Id(p.EventId, "eventId"), Text(p.Title, "title"), Text(p.Venue, "venue"), p.Start?.ToDateTimeOffset() ?? throw Missing("start"), Text(p.Status, "status"), env.ApplicationId, env.ReceivedAt);

    private static IngestOrder FromProto(Protos.Order p, TicketEnvelope env) =>
        new(Id(p.OrderId, "orderId"), Id(p.EventId, "eventId"), p.Tickets.Select(t => new TicketLine(Id(t.TicketId, "tickets.ticketId"), Text(t.Seat, "tickets.seat"), Price(t.Price), Text(t.Status, "tickets.status"))).ToList(),
            Text(p.Status, "status"), env.ApplicationId, env.ReceivedAt);

    private static IngestRefund FromProto(Protos.Refund p, TicketEnvelope env) =>
        new(Id(p.RefundId, "refundId"), Id(p.OrderId, "orderId"), p.TicketIds.Select(t => Id(t, "ticketIds")).ToList(), Text(p.Status, "status"), env.ApplicationId, env.ReceivedAt);

    private static decimal Price(string text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) ? price : throw new UndecodableMessageException("tickets.price", $"'{text}' is not a price such as 1500.00.");

    private static string Id(string? value, string field) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= MaxIdLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw new UndecodableMessageException(field, $"An id of 1 to {MaxIdLength} letters, digits, '-', '_' or '.' is required.");

    private static string Text(string? value, string field) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 500 && !value.Contains('\0', StringComparison.Ordinal)
            ? value
            : throw new UndecodableMessageException(field, "A value of 1 to 500 characters, without NUL, is required.");

    private static UndecodableMessageException Missing(string field) => new(field, "Required.");

    private sealed record TicketEventJson(string? EventId, string? Title, string? Venue, DateTimeOffset? Start, string? Status);

    private sealed record TicketJson(string? TicketId, string? Seat, decimal? Price, string? Status);

    private sealed record OrderJson(string? OrderId, string? EventId, TicketJson[]? Tickets, string? Status);

    private sealed record RefundJson(string? RefundId, string? OrderId, string[]? TicketIds, string? Status);
}
