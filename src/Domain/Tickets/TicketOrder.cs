using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

/// <summary>An order as last reported by the seller.</summary>
public sealed record TicketOrder(OrderInfo? Last)
{
    public static readonly Decider<IngestOrder, OrderRecorded, TicketOrder> Decider = new(Decide, (_, e) => new TicketOrder(e.Order), new TicketOrder((OrderInfo?)null));

    public static string StreamId(string orderId) => $"order-{orderId}";

    public bool Exists => Last is not null;

    /// <summary>The shows the order's tickets are for, each once, in the order first named.</summary>
    public static IReadOnlyList<string> ShowsOf(OrderInfo order) => [.. order.Tickets.Select(t => t.EventId).Distinct()];

    // The same order again changes nothing; different content is recorded as a change.
    private static IReadOnlyList<OrderRecorded> Decide(IngestOrder i, TicketOrder order) => order.Last == i.Order ? [] : [new OrderRecorded(i.Order, i.Source, i.At)];
}
