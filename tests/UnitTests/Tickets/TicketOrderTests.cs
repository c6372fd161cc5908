using EventSourced.Domain.Tickets;
using FluentAssertions;

namespace EventSourced.UnitTests.Tickets;

public sealed class TicketOrderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly TicketLine[] Lines = [new("t1", "A1", 1500m, "sold"), new("t2", "A2", 1500m, "sold")];
    private static readonly IngestOrder Order = new("o1", "e1", Lines, "paid", "ticketland", At);
    private static readonly OrderRecorded Recorded = new("o1", "e1", Lines, "paid", "ticketland", At);

    private static TicketOrder Fold(params object[] events) => TicketOrder.Decider.Fold(events);

    private static IReadOnlyList<object> Decide(ITicketCommand command, params object[] given) => TicketOrder.Decider.Decide(command, Fold(given));

    [Fact]
    public void An_unchanged_order_redelivered_changes_nothing_and_a_changed_one_is_recorded_whole()
    {
        Decide(Order, Recorded).Should().BeEmpty();
        Decide(Order with { Status = "cancelled" }, Recorded).Should().ContainSingle().Which.Should().BeOfType<OrderRecorded>().Which.Status.Should().Be("cancelled");
    }

    [Fact]
    public void A_completed_refund_marks_its_tickets_refunded_and_is_applied_once()
    {
        var refund = new IngestRefund("r1", "o1", ["t1"], "completed", "ticketland", At);
        var applied = Decide(refund, Recorded);

        Fold(Recorded, applied[0]).Tickets.Select(t => t.Status).Should().Equal("refunded", "sold");
        Decide(refund, Recorded, applied[0]).Should().BeEmpty();
    }

    [Fact]
    public void A_pending_refund_is_recorded_without_changing_tickets()
    {
        var applied = Decide(new IngestRefund("r1", "o1", ["t1"], "pending", "ticketland", At), Recorded);

        Fold(Recorded, applied[0]).Tickets.Select(t => t.Status).Should().Equal("sold", "sold");
    }

    [Fact]
    public void A_refund_of_tickets_not_in_the_order_is_refused() =>
        FluentActions.Invoking(() => Decide(new IngestRefund("r1", "o1", ["t9"], "completed", "ticketland", At), Recorded))
            .Should().Throw<InvalidRefundException>();

    [Fact]
    public void A_message_parked_twice_is_kept_once_and_a_release_counts_the_stream_versions()
    {
        var parked = new OrderParked(Order, At);
        var state = ParkedMessages.Decider.Fold([parked]);

        ParkedMessages.Decider.Decide(new ParkMessage(Order, At), state).Should().BeEmpty();
        var released = ParkedMessages.Decider.Decide(new ReleaseParked(0, At), state).Should().ContainSingle().Subject;
        ParkedMessages.Decider.Fold([parked, released]).Waiting.Should().BeEmpty();
        ParkedMessages.Decider.Fold([parked, released, new OrderParked(Order with { Status = "cancelled" }, At)]).Waiting.Should().ContainSingle();
    }
}
