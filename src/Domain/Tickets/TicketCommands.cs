namespace EventSourced.Domain.Tickets;

public interface ITicketCommand
{
    /// <summary>The seller's source application (the application-id header).</summary>
    string Source { get; }
}

public sealed record IngestTicketEvent(string EventId, string Title, string Venue, DateTimeOffset Start, string Status, string Source, DateTimeOffset At) : ITicketCommand;

public sealed record IngestOrder(string OrderId, string EventId, IReadOnlyList<TicketLine> Tickets, string Status, string Source, DateTimeOffset At) : ITicketCommand;

public sealed record IngestRefund(string RefundId, string OrderId, IReadOnlyList<string> TicketIds, string Status, string Source, DateTimeOffset At) : ITicketCommand;
