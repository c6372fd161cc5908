using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

/// <summary>
/// A refund as last reported by the seller, in a stream of its own: the contract finds tickets by
/// id and names no order, so a refund is recorded whenever it arrives, and the tickets read
/// model marks its tickets refunded once their order is there too (ADR 0011).
/// </summary>
public sealed record TicketRefund(RefundInfo? Last)
{
    public static readonly Decider<IngestRefund, RefundRecorded, TicketRefund> Decider = new(Decide, (_, e) => new TicketRefund(e.Refund), new TicketRefund((RefundInfo?)null));

    public static string StreamId(string refundId) => $"refund-{refundId}";

    private static IReadOnlyList<RefundRecorded> Decide(IngestRefund i, TicketRefund refund) => refund.Last == i.Refund ? [] : [new RefundRecorded(i.Refund, i.Source, i.At)];
}
