using System.Globalization;
using EventSourced.Application.Tickets;
using EventSourced.Domain.Tickets;
using Google.Protobuf;

namespace EventSourced.Infrastructure.Tickets;

/// <summary>
/// Decodes the seller's published record contract (JSON, or protobuf for orders and refunds) into
/// the same commands, whichever way the record came in (Kafka or HTTP). Schema versions of
/// major 1 are understood: minor versions only add fields, which both formats ignore. Optional
/// fields may be absent or null; required ones are checked here, so a command is always whole.
/// </summary>
public sealed class TicketMessageDecoder : ITicketMessageDecoder
{
    public const string Json = "application/json";
    public const string Protobuf = "application/x-protobuf";
    private const int SupportedMajor = 1;

    public ITicketCommand Decode(TicketMessageKind kind, TicketEnvelope envelope, ReadOnlyMemory<byte> body)
    {
        CheckSchemaVersion(envelope.SchemaVersion);
        var key = TicketFields.Id(envelope.Key, "key");
        var mediaType = envelope.ContentType.Split(';')[0].Trim().ToLowerInvariant();
        return (kind, mediaType) switch
        {
            (TicketMessageKind.Events, Json) => Keyed(new IngestTicketEvent(TicketJson.Show(body), envelope.ApplicationId, envelope.ReceivedAt), c => c.Show.EventId, key),
            (TicketMessageKind.Orders, Json) => Keyed(new IngestOrder(TicketJson.Order(body), envelope.ApplicationId, envelope.ReceivedAt), c => c.Order.OrderId, key),
            (TicketMessageKind.Refunds, Json) => new IngestRefund(TicketJson.Refund(key, body), envelope.ApplicationId, envelope.ReceivedAt),
            (TicketMessageKind.Orders, Protobuf) => Keyed(new IngestOrder(FromProto(Parse(Protos.Order.Parser, body)), envelope.ApplicationId, envelope.ReceivedAt), c => c.Order.OrderId, key),
            (TicketMessageKind.Refunds, Protobuf) => new IngestRefund(FromProto(key, Parse(Protos.Refund.Parser, body)), envelope.ApplicationId, envelope.ReceivedAt),
            (TicketMessageKind.Events, Protobuf) => throw new UndecodableMessageException("content-type", "Events are published as JSON only; the contract has no protobuf schema for them."),
            _ => throw new UnsupportedContentTypeException(envelope.ContentType),
        };
    }

    // The record key is the entity id; a record whose body names another is refused.
    private static T Keyed<T>(T command, Func<T, string> id, string key) =>
        id(command) == key ? command : throw new UndecodableMessageException("key", $"The record key '{key}' is not the entity id '{id(command)}'.");

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

    private static T Parse<T>(MessageParser<T> parser, ReadOnlyMemory<byte> body)
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

    private static OrderInfo FromProto(Protos.Order p)
    {
        var eventId = TicketFields.Id(p.EventId, "event_id");
        var tickets = p.Tickets.Select((t, i) => new TicketLine(
            TicketFields.Id(t.Id, $"tickets[{i}].id"), eventId, TicketFields.Text(t.Barcode, $"tickets[{i}].barcode"), Optional(t.Number, $"tickets[{i}].number"), Optional(t.Series, $"tickets[{i}].series"), Optional(t.Row, $"tickets[{i}].row"), Optional(t.Seat, $"tickets[{i}].seat"),
            TicketFields.Text(t.Category, $"tickets[{i}].category"), Optional(t.Description, $"tickets[{i}].description"), t.PriceNominal, t.Currency == Protos.Currency.Unspecified ? null : t.Currency.ToString().ToUpperInvariant())).ToList();
        var customer = p.Customer ?? throw TicketFields.Missing("customer");
        return new OrderInfo(
            TicketFields.Id(p.Id, "id"), null, TicketFields.Customer(Unset(customer.Email), Unset(customer.Phone), null, null, Unset(customer.Name)), TicketFields.NotEmpty(tickets, "tickets"), []);
    }

    private static RefundInfo FromProto(string key, Protos.Refund p) =>
        new(key, null, TicketFields.NotEmpty(p.TicketIds.Select((t, i) => TicketFields.Id(t, $"ticket_ids[{i}]")).ToList(), "ticket_ids"));

    // Proto3 strings are "" when not set.
    private static string? Unset(string value) => value.Length == 0 ? null : value;

    private static string? Optional(string value, string field) => TicketFields.Optional(Unset(value), field);
}
