using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Messages;

public static class MessageEventTypes
{
    public static EventTypeRegistry RegisterMessageEvents(this EventTypeRegistry registry) =>
        registry
            .Register<MessageScheduled>("message_scheduled")
            .Register<MessageCancelled>("message_cancelled")
            .Register<MessageEdited>("message_edited")
            .Register<MessageGroupsAdded>("message_groups_added")
            .Register<DeliveryAttempted>("delivery_attempted")
            .Register<DeliverySucceeded>("delivery_succeeded")
            .Register<DeliveryAttemptFailed>("delivery_attempt_failed")
            .Register<DeliveryFailed>("delivery_failed")
            .Register<DeliveryRedeliveryRequested>("delivery_redelivery_requested")
            .Register<DeliveryDiscarded>("delivery_discarded")
            .Register<DeliveryCancelled>("delivery_cancelled")
            .Register<DeliveryReaddressed>("delivery_readdressed")
            .Register<DeliveryPlanned>("delivery_planned");
}
