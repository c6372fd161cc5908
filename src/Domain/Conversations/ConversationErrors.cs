using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Conversations;

/// <summary>The conversation does not exist, or the caller takes no part in it (which it must not learn).</summary>
public sealed class ConversationNotFoundException(Guid conversationId) : DomainException($"Conversation {conversationId} does not exist.")
{
    public override string Code => "conversation_not_found";

    public override DomainErrorKind Kind => DomainErrorKind.NotFound;
}

public sealed class ChatMessageNotFoundException(Guid messageId) : DomainException($"Message {messageId} is not in this conversation.")
{
    public override string Code => "chat_message_not_found";

    public override DomainErrorKind Kind => DomainErrorKind.NotFound;
}

public sealed class ConversationClosedException(Guid conversationId) : DomainException($"Conversation {conversationId} is closed.")
{
    public override string Code => "conversation_closed";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

public sealed class ChatAlreadyOpenWithAnotherManagerException(string visitorId)
    : DomainException($"A chat with visitor {visitorId} is already open with another manager.")
{
    public override string Code => "chat_already_open_with_another_manager";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

/// <summary>Nobody is on duty; the edge answers with the configured offline message.</summary>
public sealed class ChatOfflineException() : DomainException("No manager is on duty.")
{
    public override string Code => "chat_offline";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

public sealed class InvalidChatMessageException(string reason) : DomainException(reason)
{
    public override string Code => "invalid_chat_message";
}

public sealed class NotAModeratorException() : DomainException("Only a moderator may hide a message for everyone.")
{
    public override string Code => "not_a_moderator";
}

public sealed class NotTheChatsManagerException() : DomainException("Only the chat's manager, or an operator, hands it to another manager.")
{
    public override string Code => "not_the_chats_manager";
}

/// <summary>A chat goes only to a manager on duty, who will see it.</summary>
public sealed class ManagerNotOnDutyException(string managerId) : DomainException($"Manager {managerId} is not on duty.")
{
    public override string Code => "manager_not_on_duty";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}
