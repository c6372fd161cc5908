namespace EventSourced.Domain.Tickets;

/// <summary>The organiser of a show, as the seller's contract describes it.</summary>
public sealed record Organizer(string Id, string Name, OrganizerLegals? Legals);

/// <param name="Type">ru_lp, ru_ltd or en_ltd in the contract today; kept as sent.</param>
public sealed record OrganizerLegals(string? Name, string Type, string? Inn, string? Ogrn, string? Address);

public sealed record Venue(string Id, string Name, string? Address, string? Description, string? Zipcode, string? CityName, double? Lat, double? Lon);

/// <summary>A show ("event" in the seller's words) as last reported. Start and finish carry the show's own UTC offset.</summary>
/// <param name="Category">One of the seller's categories; its dictionary grows, so any value is kept as sent.</param>
public sealed record ShowInfo(
    string EventId, string? GroupId, string Name, string Status, string Category, DateTimeOffset StartAt, DateTimeOffset FinishAt,
    string? Media, string? Description, Organizer? Organizer, Venue? Venue);

/// <summary>The buyer: personal data, kept in order and refund events only. An earlier draft of the contract sends the full <paramref name="Name"/>.</summary>
public sealed record Customer(string? Email, string Phone, string? FirstName, string? LastName, string? Name);

/// <param name="PriceNominal">In minor units (kopecks, cents).</param>
public sealed record TicketLine(
    string TicketId, string EventId, string Barcode, string? Number, string? Series, string? Row, string? Seat, string Category, string? Description, long? PriceNominal, string? Currency);

/// <summary>A show's availability and minimum price, as an order's meta reports it.</summary>
public sealed record ShowAvailability(string EventId, long PriceMin, string Currency, int TicketsAvailable);

/// <summary>An order as the seller reports it, whole. Its tickets may be for several shows.</summary>
public sealed record OrderInfo(string OrderId, string? Number, Customer Customer, IReadOnlyList<TicketLine> Tickets, IReadOnlyList<ShowAvailability> Availability)
{
    public bool Equals(OrderInfo? other) =>
        other is not null && OrderId == other.OrderId && Number == other.Number && Customer == other.Customer
        && Tickets.SequenceEqual(other.Tickets) && Availability.SequenceEqual(other.Availability);

    public override int GetHashCode() => HashCode.Combine(OrderId, Number, Tickets.Count);
}

/// <summary>A refund of tickets, found by their ids: the contract names no order. The protobuf form carries no customer.</summary>
public sealed record RefundInfo(string RefundId, Customer? Customer, IReadOnlyList<string> TicketIds)
{
    public bool Equals(RefundInfo? other) => other is not null && RefundId == other.RefundId && Customer == other.Customer && TicketIds.SequenceEqual(other.TicketIds);

    public override int GetHashCode() => HashCode.Combine(RefundId, TicketIds.Count);
}

/// <summary>The seller reported a show, new or changed.</summary>
public sealed record ShowSynced(ShowInfo Show, string Source, DateTimeOffset RecordedAt);

/// <summary>The seller reported an order, new or changed (a later one with the same id is a change of that order).</summary>
public sealed record OrderRecorded(OrderInfo Order, string Source, DateTimeOffset RecordedAt);

/// <summary>The seller reported a refund: its tickets are refunded, whenever their order arrives.</summary>
public sealed record RefundRecorded(RefundInfo Refund, string Source, DateTimeOffset RecordedAt);

/// <summary>An order arrived before one of its shows: kept here until that show arrives.</summary>
/// <param name="SourceRecord">The outside record the order came in (a Kafka record), so that applied on release its events get the ids they get when applied directly.</param>
public sealed record OrderParked(IngestOrder Order, DateTimeOffset ParkedAt, string? SourceRecord = null);

/// <summary>Every parked message up to <paramref name="UpToVersion"/> of this parking stream has been applied.</summary>
public sealed record ParkedReleased(long UpToVersion, DateTimeOffset ReleasedAt);
