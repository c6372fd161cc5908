using System.Collections.Immutable;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

/// <summary>An order with its tickets' current statuses and the refunds already applied.</summary>
public sealed record TicketOrder(string? EventId, string? Status, ImmutableList<TicketLine> Tickets, ImmutableHashSet<string> Refunds)
{
    public const string Refunded = "refunded";

    public static readonly TicketOrder None = new(null, null, [], []);

    public static readonly Decider<ITicketCommand, object, TicketOrder> Decider = new(Decide, Evolve, None);

    public static string StreamId(string orderId) => $"order-{orderId}";

    public bool Exists => EventId is not null;

    /// <summary>Whether a refund in this status makes its tickets refunded (approved or completed).</summary>
    public static bool MarksRefunded(string refundStatus) => RefundingStatuses.Contains(refundStatus);

    // Refund statuses after which the tickets count as refunded.
    private static readonly ImmutableHashSet<string> RefundingStatuses = ImmutableHashSet.Create(StringComparer.OrdinalIgnoreCase, "approved", "completed");

    private static IReadOnlyList<object> Decide(ITicketCommand command, TicketOrder order) => command switch
    {
        IngestOrder o when order.Exists && order.EventId == o.EventId && order.Status == o.Status && order.Tickets.SequenceEqual(o.Tickets) => [],
        IngestOrder o => [new OrderRecorded(o.OrderId, o.EventId, o.Tickets, o.Status, o.Source, o.At)],
        IngestRefund r when order.Refunds.Contains(r.RefundId) => [],
        IngestRefund r => [order.Refund(r)],
        _ => throw new InvalidOperationException($"Unknown order command {command.GetType().Name}."),
    };

    private RefundApplied Refund(IngestRefund refund)
    {
        var unknown = refund.TicketIds.Where(id => Tickets.All(t => t.TicketId != id)).ToList();
        if (refund.TicketIds.Count == 0 || unknown.Count > 0)
        {
            throw new InvalidRefundException($"Refund {refund.RefundId} names tickets not in order {refund.OrderId}: {string.Join(", ", unknown)}.");
        }

        return new RefundApplied(refund.OrderId, refund.RefundId, refund.TicketIds, refund.Status, refund.Source, refund.At);
    }

    private static TicketOrder Evolve(TicketOrder order, object @event) => @event switch
    {
        OrderRecorded e => order with { EventId = e.EventId, Status = e.Status, Tickets = [.. e.Tickets] },
        RefundApplied e when MarksRefunded(e.Status) => order with
        {
            Refunds = order.Refunds.Add(e.RefundId),
            Tickets = [.. order.Tickets.Select(t => e.TicketIds.Contains(t.TicketId) ? t with { Status = Refunded } : t)],
        },
        RefundApplied e => order with { Refunds = order.Refunds.Add(e.RefundId) },
        _ => order,
    };
}
