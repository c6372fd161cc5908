using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Messages;

public static class MessageEventTypes
{
    public static EventTypeRegistry RegisterMessageEvents(this EventTypeRegistry registry) =>
        registry
            .Register<MessageScheduled>("message_scheduled")
            .Register<MessageCancelled>("message_cancelled");
}
