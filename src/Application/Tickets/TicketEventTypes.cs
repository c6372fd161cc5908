using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;

namespace EventSourced.Application.Tickets;

public static class TicketEventTypes
{
    public static EventTypeRegistry RegisterTicketEvents(this EventTypeRegistry registry) =>
        registry
            .Register<ShowSynced>("show_synced")
            .Register<OrderRecorded>("order_recorded")
            .Register<RefundRecorded>("refund_recorded")
            .Register<OrderParked>("order_parked")
            .Register<ParkedReleased>("parked_released");
}
