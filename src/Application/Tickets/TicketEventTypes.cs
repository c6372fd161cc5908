using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;

namespace EventSourced.Application.Tickets;

public static class TicketEventTypes
{
    public static EventTypeRegistry RegisterTicketEvents(this EventTypeRegistry registry) =>
        registry
            .Register<TicketEventRecorded>("ticket_event_recorded")
            .Register<OrderRecorded>("order_recorded")
            .Register<RefundApplied>("refund_applied")
            .Register<OrderParked>("order_parked")
            .Register<RefundParked>("refund_parked")
            .Register<ParkedReleased>("parked_released");
}
