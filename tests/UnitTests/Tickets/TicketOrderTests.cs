using EventSourced.Domain.Tickets;
using FluentAssertions;

namespace EventSourced.UnitTests.Tickets;

/// <summary>The seller's records: the same record again changes nothing; other content under the same id is recorded as a change.</summary>
public sealed class TicketOrderTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly Customer Buyer = new("anna@example.com", "+79001234567", "Anna", "Petrova", null);
    private static readonly OrderInfo Order = new(
        "o1", "A-1001", Buyer,
        [new TicketLine("t1", "e1", "111", null, null, "5", "12", "parterre", null, 450000, "RUB"), new TicketLine("t2", "e2", "112", null, null, "5", "13", "parterre", null, 450000, "RUB"),
         new TicketLine("t3", "e1", "113", null, null, "5", "14", "parterre", null, 450000, "RUB")],
        [new ShowAvailability("e1", 150000, "RUB", 312)]);

    [Fact]
    public void An_order_redelivered_as_a_copy_changes_nothing()
    {
        var copy = Order with { Tickets = [.. Order.Tickets], Availability = [.. Order.Availability] };

        TicketOrder.Decider.Decide(new IngestOrder(copy, "ticketland", At.AddMinutes(5)), Fold(Order)).Should().BeEmpty();
    }

    [Fact]
    public void An_order_with_other_content_under_the_same_id_is_recorded_as_a_change()
    {
        var changed = Order with { Tickets = [.. Order.Tickets.Take(2)] };

        var events = TicketOrder.Decider.Decide(new IngestOrder(changed, "ticketland", At), Fold(Order));

        events.Should().ContainSingle().Which.Order.Tickets.Should().HaveCount(2);
        TicketOrder.Decider.Fold([new OrderRecorded(Order, "ticketland", At), .. events]).Last.Should().Be(changed);
    }

    [Fact]
    public void An_orders_shows_are_its_tickets_shows_each_once_in_the_order_first_named() =>
        TicketOrder.ShowsOf(Order).Should().Equal("e1", "e2");

    [Fact]
    public void A_refund_is_recorded_once_and_again_only_when_its_tickets_change()
    {
        var refund = new RefundInfo("r1", Buyer, ["t1"]);
        var recorded = TicketRefund.Decider.Decide(new IngestRefund(refund, "ticketland", At), TicketRefund.Decider.Fold([]));
        var state = TicketRefund.Decider.Fold([.. recorded]);

        recorded.Should().ContainSingle();
        TicketRefund.Decider.Decide(new IngestRefund(refund with { TicketIds = ["t1"] }, "ticketland", At), state).Should().BeEmpty();
        TicketRefund.Decider.Decide(new IngestRefund(refund with { TicketIds = ["t1", "t2"] }, "ticketland", At), state).Should().ContainSingle();
    }

    [Fact]
    public void A_show_reported_again_unchanged_changes_nothing()
    {
        var show = new ShowInfo("e1", null, "Swan Lake", "active", "ballet", At, At.AddHours(3), null, null, null, new Venue("v1", "Hall", null, null, null, null, null, null));
        var state = TicketShow.Decider.Fold([new ShowSynced(show, "ticketland", At)]);

        TicketShow.Decider.Decide(new IngestTicketEvent(show with { Venue = show.Venue! with { } }, "ticketland", At), state).Should().BeEmpty();
        TicketShow.Decider.Decide(new IngestTicketEvent(show with { Status = "cancelled" }, "ticketland", At), state).Should().ContainSingle();
    }

    private static TicketOrder Fold(OrderInfo order) => TicketOrder.Decider.Fold([new OrderRecorded(order, "ticketland", At)]);
}
