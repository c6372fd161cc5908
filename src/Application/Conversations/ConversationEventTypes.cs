using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;

namespace EventSourced.Application.Conversations;

public static class ConversationEventTypes
{
    public static EventTypeRegistry RegisterConversationEvents(this EventTypeRegistry registry) =>
        registry
            .Register<ConversationOpened>("conversation_opened")
            .Register<ChatMessagePosted>("chat_message_posted")
            .Register<ChatMessageRejected>("chat_message_rejected")
            .Register<ChatMessagesRead>("chat_messages_read")
            .Register<ChatMessageHidden>("chat_message_hidden")
            .Register<ConversationTransferred>("conversation_transferred")
            .Register<ConversationClosed>("conversation_closed")
            .Register<ManagerWentOnDuty>("manager_went_on_duty")
            .Register<ManagerWentOffDuty>("manager_went_off_duty")
            .Register<ConversationRouted>("conversation_routed")
            .Register<VisitorConversationStarted>("visitor_conversation_started");
}
