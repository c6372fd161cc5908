using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Conversations;

/// <summary>
/// A visitor's pointer to their latest conversation. Appending to this stream with its expected
/// version is what keeps a visitor to one open conversation when two tabs open at once.
/// </summary>
public sealed record VisitorChats(Guid? LatestConversationId, string? LatestManagerId)
{
    public static readonly VisitorChats None = new(null, null);

    public static readonly Decider<StartVisitorConversation, VisitorConversationStarted, VisitorChats> Decider = new(Decide, Evolve, None);

    public static string StreamId(string visitorId) => $"visitor-{visitorId}";

    private static IReadOnlyList<VisitorConversationStarted> Decide(StartVisitorConversation start, VisitorChats state) =>
        state.LatestConversationId == start.ConversationId
            ? []
            : [new VisitorConversationStarted(start.VisitorId, start.ConversationId, start.ManagerId, start.OpenedBy, start.At)];

    private static VisitorChats Evolve(VisitorChats state, VisitorConversationStarted e) => new(e.ConversationId, e.ManagerId);
}

/// <summary>The visitor's new conversation, with everything needed to open it (again, after a crash).</summary>
public sealed record VisitorConversationStarted(string VisitorId, Guid ConversationId, string ManagerId, string OpenedBy, DateTimeOffset At);

public sealed record StartVisitorConversation(string VisitorId, Guid ConversationId, string ManagerId, string OpenedBy, DateTimeOffset At);
