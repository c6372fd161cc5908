namespace EventSourced.Api.Conversations;

/// <summary>A visitor opens their own chat (no visitorId); a manager names the visitor.</summary>
public sealed record OpenConversationRequest(string? VisitorId);

public sealed record ConversationResponse(Guid Id, string VisitorId, string ManagerId, string Status, long? Position);

public sealed record PostChatMessageRequest(string? Content);

public sealed record ChatMessagePostedResponse(Guid ConversationId, Guid MessageId, long? Position);

/// <summary>Hide for oneself, or for everyone (moderators only).</summary>
public sealed record HideChatMessageRequest(bool ForEveryone);

public sealed record SetDutyRequest(bool? OnDuty);

/// <summary>The manager on duty to hand the chat to.</summary>
public sealed record TransferConversationRequest(string? ManagerId);

public sealed record DutyResponse(string ManagerId, bool OnDuty, long? Position);

/// <summary>The outcome of a command on a conversation: the global position to wait for in queries (null when nothing changed).</summary>
public sealed record ConversationChangedResponse(Guid ConversationId, long? Position);

/// <summary>A conversation as it stood at a version or moment of its stream, as the caller may see it.</summary>
public sealed record ConversationAsOfResponse(
    Guid Id, long Version, string VisitorId, string ManagerId, string Status, IReadOnlyList<ChatMessageAsOf> Messages, IReadOnlyDictionary<string, Guid> ReadUpTo);

public sealed record ChatMessageAsOf(Guid Id, string SenderId, string Content, DateTimeOffset PostedAt);
