namespace EventSourced.Domain.Conversations;

/// <summary>Marker for every event of a conversation stream.</summary>
public interface IConversationEvent
{
    Guid ConversationId { get; }
}

public enum ChatRole
{
    Visitor,
    Manager,
}

/// <summary>A chat between a site visitor and an on-duty manager began.</summary>
public sealed record ConversationOpened(Guid ConversationId, string VisitorId, string ManagerId, string OpenedBy, DateTimeOffset OpenedAt) : IConversationEvent;

/// <summary>A participant's message passed moderation and was posted.</summary>
/// <param name="VisitorId">The conversation's visitor, whose key protects the content (null in events from before keys).</param>
public sealed record ChatMessagePosted(Guid ConversationId, Guid MessageId, string SenderId, ChatRole SenderRole, string Content, DateTimeOffset PostedAt, string? VisitorId = null) : IConversationEvent;

/// <summary>Moderation refused a participant's message; kept for the audit, never shown.</summary>
public sealed record ChatMessageRejected(Guid ConversationId, Guid MessageId, string SenderId, ChatRole SenderRole, string Content, string Reason, DateTimeOffset RejectedAt, string? VisitorId = null) : IConversationEvent;

/// <summary>A participant has read every message up to and including <paramref name="UpToMessageId"/>.</summary>
public sealed record ChatMessagesRead(Guid ConversationId, string ReaderId, Guid UpToMessageId, DateTimeOffset ReadAt) : IConversationEvent;

/// <summary>A message was hidden from <paramref name="HiddenFor"/>, or from everyone when it is null (a moderator's decision).</summary>
public sealed record ChatMessageHidden(Guid ConversationId, Guid MessageId, string? HiddenFor, string HiddenBy, DateTimeOffset HiddenAt) : IConversationEvent;

/// <summary>The chat was handed from one manager to another, who takes part from now on (the first no longer does).</summary>
/// <param name="VisitorId">The chat's visitor, so a managers' desk learns of the chat it now has (null in the first such events).</param>
public sealed record ConversationTransferred(
    Guid ConversationId, string FromManagerId, string ToManagerId, string TransferredBy, DateTimeOffset TransferredAt, string? VisitorId = null) : IConversationEvent;

public sealed record ConversationClosed(Guid ConversationId, string ClosedBy, DateTimeOffset ClosedAt) : IConversationEvent;
