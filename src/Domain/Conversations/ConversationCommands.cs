namespace EventSourced.Domain.Conversations;

public interface IConversationCommand
{
    Guid ConversationId { get; }
}

public sealed record OpenConversation(Guid ConversationId, string VisitorId, string ManagerId, string OpenedBy, DateTimeOffset At) : IConversationCommand;

/// <summary>Post a message; moderation has already judged it (<paramref name="RejectionReason"/> null means accepted).</summary>
public sealed record PostChatMessage(Guid ConversationId, Guid MessageId, string SenderId, string Content, string? RejectionReason, DateTimeOffset At) : IConversationCommand;

public sealed record MarkRead(Guid ConversationId, string ReaderId, Guid UpToMessageId, DateTimeOffset At) : IConversationCommand;

/// <summary>Hide a message for oneself, or for everyone (moderators only).</summary>
public sealed record HideChatMessage(Guid ConversationId, Guid MessageId, string RequestedBy, bool ForEveryone, bool IsModerator, DateTimeOffset At) : IConversationCommand;

/// <summary>
/// Hand the chat to <paramref name="ToManagerId"/>, who must be on duty (<paramref name="ToManagerOnDuty"/>, from the
/// roster): its manager may, and operators (<paramref name="IsOperator"/>) may for any chat. With
/// <paramref name="FromManagerId"/> (a hand-over when that manager leaves duty), only while the
/// chat is still theirs: repeated after it moved on, it changes nothing.
/// </summary>
public sealed record TransferConversation(
    Guid ConversationId, string ToManagerId, bool ToManagerOnDuty, string RequestedBy, bool IsOperator, DateTimeOffset At, string? FromManagerId = null) : IConversationCommand;

public sealed record CloseConversation(Guid ConversationId, string ClosedBy, DateTimeOffset At) : IConversationCommand;
