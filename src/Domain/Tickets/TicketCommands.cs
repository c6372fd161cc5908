namespace EventSourced.Domain.Tickets;

public interface ITicketCommand
{
    /// <summary>The seller's source application (the application-id header).</summary>
    string Source { get; }

    DateTimeOffset At { get; }
}

public sealed record IngestTicketEvent(ShowInfo Show, string Source, DateTimeOffset At) : ITicketCommand;

public sealed record IngestOrder(OrderInfo Order, string Source, DateTimeOffset At) : ITicketCommand;

public sealed record IngestRefund(RefundInfo Refund, string Source, DateTimeOffset At) : ITicketCommand;
