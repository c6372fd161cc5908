namespace EventSourced.Domain.Tickets;

/// <summary>One ticket of an order as the seller reports it.</summary>
public sealed record TicketLine(string TicketId, string Seat, decimal Price, string Status);

/// <summary>The seller reported a show ("ticket event" in its words), new or changed.</summary>
public sealed record TicketEventRecorded(string EventId, string Title, string Venue, DateTimeOffset Start, string Status, string Source, DateTimeOffset RecordedAt);

/// <summary>The seller reported an order, new or changed; carries the whole order.</summary>
public sealed record OrderRecorded(string OrderId, string EventId, IReadOnlyList<TicketLine> Tickets, string Status, string Source, DateTimeOffset RecordedAt);

/// <summary>A refund of some of an order's tickets; an approved or completed refund marks them refunded.</summary>
public sealed record RefundApplied(string OrderId, string RefundId, IReadOnlyList<string> TicketIds, string Status, string Source, DateTimeOffset AppliedAt);

/// <summary>An order arrived before its show: kept here until the show arrives.</summary>
public sealed record OrderParked(IngestOrder Order, DateTimeOffset ParkedAt);

/// <summary>A refund arrived before its order: kept here until the order arrives.</summary>
public sealed record RefundParked(IngestRefund Refund, DateTimeOffset ParkedAt);

/// <summary>Every parked message up to <paramref name="UpToVersion"/> of this parking stream has been applied.</summary>
public sealed record ParkedReleased(long UpToVersion, DateTimeOffset ReleasedAt);
