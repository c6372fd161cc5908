using System.Collections.Immutable;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Conversations;

public enum ConversationStatus
{
    None,
    Open,
    Closed,
}

/// <summary>A posted message as the conversation holds it: who sent what, when, and who hid it.</summary>
public sealed record PostedMessage(Guid Id, string SenderId, string Content, DateTimeOffset PostedAt, bool HiddenForEveryone, ImmutableHashSet<string> HiddenFor)
{
    public bool IsVisibleTo(string who) => !HiddenForEveryone && !HiddenFor.Contains(who);
}

/// <summary>A chat between a visitor and a manager: its participants, its messages and how far each has read.</summary>
public sealed record Conversation(
    Guid Id,
    string VisitorId,
    string ManagerId,
    ConversationStatus Status,
    ImmutableList<PostedMessage> Messages,
    ImmutableDictionary<string, Guid> ReadUpTo)
{
    public const int MaxContentLength = 4000;

    public static readonly Conversation None = new(Guid.Empty, "", "", ConversationStatus.None, [], ImmutableDictionary<string, Guid>.Empty);

    // Where each message stands in Messages, by id. A post (to see it is not a retry), a read mark
    // and a hide find their message here: walking the list cost every post time in proportion to
    // the chat's length (tests/Benchmarks, `chat`).
    private ImmutableDictionary<Guid, int> Positions { get; init; } = ImmutableDictionary<Guid, int>.Empty;

    public static readonly Decider<IConversationCommand, IConversationEvent, Conversation> Decider = new(Decide, Evolve, None);

    public static string StreamId(Guid conversationId) => $"conversation-{conversationId}";

    public bool IsParticipant(string who) => Status != ConversationStatus.None && (who == VisitorId || who == ManagerId);

    public static string? ContentProblem(string? content) =>
        string.IsNullOrWhiteSpace(content) || content.Length > MaxContentLength ? $"A message of 1 to {MaxContentLength} characters is required." : null;

    private static IReadOnlyList<IConversationEvent> Decide(IConversationCommand command, Conversation state) => command switch
    {
        OpenConversation open => state.Status == ConversationStatus.None
            ? [new ConversationOpened(open.ConversationId, open.VisitorId, open.ManagerId, open.OpenedBy, open.At)]
            : [],
        PostChatMessage post => state.Post(post),
        MarkRead read => state.MarkRead(read),
        HideChatMessage hide => state.Hide(hide),
        TransferConversation transfer => state.Transfer(transfer),
        CloseConversation close => state.Close(close),
        _ => throw new InvalidOperationException($"Unknown conversation command {command.GetType().Name}."),
    };

    private IReadOnlyList<IConversationEvent> Post(PostChatMessage post)
    {
        RequireParticipant(post.SenderId);
        if (Positions.ContainsKey(post.MessageId))
        {
            return [];
        }

        RequireOpen();
        if (ContentProblem(post.Content) is { } problem)
        {
            throw new InvalidChatMessageException(problem);
        }

        var role = post.SenderId == VisitorId ? ChatRole.Visitor : ChatRole.Manager;
        return post.RejectionReason is { } reason
            ? [new ChatMessageRejected(Id, post.MessageId, post.SenderId, role, post.Content, reason, post.At, VisitorId)]
            : [new ChatMessagePosted(Id, post.MessageId, post.SenderId, role, post.Content, post.At, VisitorId)];
    }

    private IReadOnlyList<IConversationEvent> MarkRead(MarkRead read)
    {
        RequireParticipant(read.ReaderId);
        var index = IndexOf(read.UpToMessageId);
        // Reading up to a message already read, or an earlier one, changes nothing.
        return ReadUpTo.TryGetValue(read.ReaderId, out var current) && IndexOf(current) >= index
            ? []
            : [new ChatMessagesRead(Id, read.ReaderId, read.UpToMessageId, read.At)];
    }

    private IReadOnlyList<IConversationEvent> Hide(HideChatMessage hide)
    {
        if (!hide.IsModerator)
        {
            RequireParticipant(hide.RequestedBy);
        }
        else if (Status == ConversationStatus.None)
        {
            throw new ConversationNotFoundException(hide.ConversationId);
        }

        if (hide.ForEveryone && !hide.IsModerator)
        {
            throw new NotAModeratorException();
        }

        var message = Messages[IndexOf(hide.MessageId)];
        var already = hide.ForEveryone ? message.HiddenForEveryone : message.HiddenFor.Contains(hide.RequestedBy);
        return already ? [] : [new ChatMessageHidden(Id, hide.MessageId, hide.ForEveryone ? null : hide.RequestedBy, hide.RequestedBy, hide.At)];
    }

    private IReadOnlyList<IConversationEvent> Transfer(TransferConversation transfer)
    {
        if (!transfer.IsOperator)
        {
            RequireParticipant(transfer.RequestedBy);
            if (transfer.RequestedBy != ManagerId)
            {
                throw new NotTheChatsManagerException();
            }
        }
        else if (Status == ConversationStatus.None)
        {
            throw new ConversationNotFoundException(transfer.ConversationId);
        }

        RequireOpen();
        // Handing it to whoever has it already changes nothing, so a retried transfer is harmless.
        if (transfer.ToManagerId == ManagerId || (transfer.FromManagerId is { } from && from != ManagerId))
        {
            return [];
        }

        return transfer.ToManagerOnDuty
            ? [new ConversationTransferred(Id, ManagerId, transfer.ToManagerId, transfer.RequestedBy, transfer.At, VisitorId)]
            : throw new ManagerNotOnDutyException(transfer.ToManagerId);
    }

    private IReadOnlyList<IConversationEvent> Close(CloseConversation close)
    {
        RequireParticipant(close.ClosedBy);
        return Status == ConversationStatus.Closed ? [] : [new ConversationClosed(Id, close.ClosedBy, close.At)];
    }

    private void RequireParticipant(string who)
    {
        if (!IsParticipant(who))
        {
            throw new ConversationNotFoundException(Id);
        }
    }

    private void RequireOpen()
    {
        if (Status != ConversationStatus.Open)
        {
            throw new ConversationClosedException(Id);
        }
    }

    private int IndexOf(Guid messageId) =>
        Positions.TryGetValue(messageId, out var index) ? index : throw new ChatMessageNotFoundException(messageId);

    private static Conversation Evolve(Conversation state, IConversationEvent @event) => @event switch
    {
        ConversationOpened e => new Conversation(e.ConversationId, e.VisitorId, e.ManagerId, ConversationStatus.Open, [], ImmutableDictionary<string, Guid>.Empty),
        ChatMessagePosted e => state with
        {
            Messages = state.Messages.Add(new PostedMessage(e.MessageId, e.SenderId, e.Content, e.PostedAt, false, [])),
            Positions = state.Positions.SetItem(e.MessageId, state.Messages.Count),
        },
        ChatMessagesRead e => state with { ReadUpTo = state.ReadUpTo.SetItem(e.ReaderId, e.UpToMessageId) },
        ChatMessageHidden e => state.ChangeMessage(e.MessageId, m => e.HiddenFor is null ? m with { HiddenForEveryone = true } : m with { HiddenFor = m.HiddenFor.Add(e.HiddenFor) }),
        ConversationTransferred e => state with { ManagerId = e.ToManagerId },
        ConversationClosed => state with { Status = ConversationStatus.Closed },
        _ => state,
    };

    private Conversation ChangeMessage(Guid id, Func<PostedMessage, PostedMessage> change) =>
        Positions.TryGetValue(id, out var index) ? this with { Messages = Messages.SetItem(index, change(Messages[index])) } : this;
}
