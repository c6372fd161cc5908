using System.Text.Json;
using System.Text.Json.Serialization;
using EventSourced.Application.Tickets;
using EventSourced.Domain.Tickets;

namespace EventSourced.Infrastructure.Tickets;

/// <summary>
/// The seller's JSON records (snake_case, as its TypeScript types declare them). Every field is
/// nullable here, so an absent or null field reaches the checks below and is named in the
/// refusal; fields we do not know are ignored.
/// </summary>
internal static class TicketJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static ShowInfo Show(ReadOnlyMemory<byte> body)
    {
        var e = Parse<EventRecord>(body);
        var offset = e.Offset is { } hours && Math.Abs(hours) <= 14 ? TimeSpan.FromHours(hours) : throw new UndecodableMessageException("offset", "The show's UTC offset in hours (-14 to 14) is required.");
        return new ShowInfo(
            TicketFields.Id(e.Id, "id"), e.GroupId is null ? null : TicketFields.Id(e.GroupId, "group_id"), TicketFields.Text(e.Name, "name"), TicketFields.Text(e.Status, "status"),
            TicketFields.Text(e.Category, "category"), Instant(e.StartAt, offset, "start_at"), Instant(e.FinishAt, offset, "finish_at"),
            TicketFields.Optional(e.Media, "media"), TicketFields.Optional(e.Description, "description"),
            e.Organizer is { } o ? new Organizer(TicketFields.Id(o.Id, "organizer.id"), TicketFields.Text(o.Name, "organizer.name"), o.Legals is { } l ? Legals(l) : null) : null,
            e.Venue is { } v ? new Venue(
                TicketFields.Id(v.Id, "venue.id"), TicketFields.Text(v.Name, "venue.name"), TicketFields.Optional(v.Address, "venue.address"), TicketFields.Optional(v.Description, "venue.description"),
                TicketFields.Optional(v.Zipcode, "venue.zipcode"), TicketFields.Optional(v.CityName, "venue.city_name"), v.Lat, v.Lon) : null);
    }

    public static OrderInfo Order(ReadOnlyMemory<byte> body)
    {
        var o = Parse<OrderRecord>(body);
        var c = o.Customer ?? throw TicketFields.Missing("customer");
        var tickets = (o.Tickets ?? throw TicketFields.Missing("tickets")).Select((t, i) => t is null ? throw TicketFields.Missing($"tickets[{i}]") : new TicketLine(
            TicketFields.Id(t.Id, $"tickets[{i}].id"), TicketFields.Id(t.EventId, $"tickets[{i}].event_id"), TicketFields.Text(t.Barcode, $"tickets[{i}].barcode"),
            TicketFields.Optional(t.Number, $"tickets[{i}].number"), TicketFields.Optional(t.Series, $"tickets[{i}].series"), TicketFields.Optional(t.Row, $"tickets[{i}].row"),
            TicketFields.Optional(t.Seat, $"tickets[{i}].seat"), TicketFields.Text(t.Category, $"tickets[{i}].category"), TicketFields.Optional(t.Description, $"tickets[{i}].description"),
            t.PriceNominal is null or >= 0 ? t.PriceNominal : throw new UndecodableMessageException($"tickets[{i}].price_nominal", "A price in minor units is not negative."),
            TicketFields.Optional(t.Currency, $"tickets[{i}].currency"))).ToList();
        var availability = (o.Meta?.Events ?? []).Select((m, i) => m is null ? throw TicketFields.Missing($"meta.events[{i}]") : new ShowAvailability(
            TicketFields.Id(m.Id, $"meta.events[{i}].id"), m.PriceMin ?? throw TicketFields.Missing($"meta.events[{i}].price_min"),
            TicketFields.Text(m.Currency, $"meta.events[{i}].currency"), m.TicketsAvailable ?? throw TicketFields.Missing($"meta.events[{i}].tickets_available"))).ToList();
        return new OrderInfo(
            TicketFields.Id(o.Id, "id"), TicketFields.Optional(o.Number, "number"), TicketFields.Customer(c.Email, c.Phone, c.FirstName, c.LastName, c.Name),
            TicketFields.NotEmpty(tickets, "tickets"), availability);
    }

    public static RefundInfo Refund(string key, ReadOnlyMemory<byte> body)
    {
        var r = Parse<RefundRecord>(body);
        var customer = r.Customer is { } c ? TicketFields.Customer(c.Email, c.Phone, c.FirstName, c.LastName, c.Name) : null;
        var tickets = (r.TicketIds ?? throw TicketFields.Missing("ticket_ids")).Select((t, i) => TicketFields.Id(t, $"ticket_ids[{i}]")).ToList();
        return new RefundInfo(key, customer, TicketFields.NotEmpty(tickets, "ticket_ids"));
    }

    private static OrganizerLegals Legals(LegalsRecord l) =>
        new(TicketFields.Optional(l.Name, "organizer.legals.name"), TicketFields.Text(l.Type, "organizer.legals.type"), TicketFields.Optional(l.Inn, "organizer.legals.inn"),
            TicketFields.Optional(l.Ogrn, "organizer.legals.ogrn"), TicketFields.Optional(l.Address, "organizer.legals.address"));

    private static DateTimeOffset Instant(long? unixSeconds, TimeSpan offset, string field) =>
        unixSeconds is { } s && s is >= 0 and < 253_402_300_800
            ? DateTimeOffset.FromUnixTimeSeconds(s).ToOffset(offset)
            : throw new UndecodableMessageException(field, "Unix seconds are required.");

    private static T Parse<T>(ReadOnlyMemory<byte> body)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, Options) ?? throw new UndecodableMessageException("body", "The body is null.");
        }
        catch (JsonException e)
        {
            throw new UndecodableMessageException(e.Path is { Length: > 2 } path ? path[2..] : "body", e.Message);
        }
    }

    private sealed record EventRecord(
        string? Id, string? GroupId, string? Name, string? Status, string? Category, long? StartAt, long? FinishAt, double? Offset, string? Media, string? Description,
        OrganizerRecord? Organizer, VenueRecord? Venue);

    private sealed record OrganizerRecord(string? Id, string? Name, LegalsRecord? Legals);

    private sealed record LegalsRecord(string? Name, string? Type, string? Inn, string? Ogrn, string? Address);

    private sealed record VenueRecord(string? Id, string? Name, string? Address, string? Description, string? Zipcode, string? CityName, double? Lat, double? Lon);

    private sealed record CustomerRecord(string? Email, string? Phone, string? FirstName, string? LastName, string? Name);

    private sealed record TicketRecord(
        string? Id, string? EventId, string? Barcode, string? Number, string? Series, string? Row, string? Seat, string? Category, string? Description, long? PriceNominal, string? Currency);

    private sealed record MetaEventRecord(string? Id, long? PriceMin, string? Currency, int? TicketsAvailable);

    private sealed record MetaRecord(MetaEventRecord?[]? Events);

    private sealed record OrderRecord(string? Id, string? Number, CustomerRecord? Customer, TicketRecord?[]? Tickets, MetaRecord? Meta);

    private sealed record RefundRecord(CustomerRecord? Customer, string?[]? TicketIds);
}
