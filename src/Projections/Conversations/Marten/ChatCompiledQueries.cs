using System.Linq.Expressions;
using Marten;
using Marten.Linq;

namespace EventSourced.Projections.Conversations.Marten;

// Compiled queries: Marten translates each LINQ shape once, not on every call (its advice for hot
// paths). The list of conversations cannot be one: its optional filters would be bool members, which
// compiled queries refuse.

/// <summary>The other side's messages a viewer can see in some conversations: what unread counts are counted from.</summary>
internal sealed class VisibleFromOthersQuery : ICompiledListQuery<ChatMessageDocument, VisibleMessage>
{
    public Guid[] Conversations { get; init; } = [];

    public string Viewer { get; init; } = "";

    public Expression<Func<IMartenQueryable<ChatMessageDocument>, IEnumerable<VisibleMessage>>> QueryIs() => q => q
        .Where(m => m.ConversationId.IsOneOf(Conversations) && m.SenderId != Viewer && !m.HiddenForEveryone && !m.HiddenFor.Contains(Viewer))
        .Select(m => new VisibleMessage { ConversationId = m.ConversationId, Seq = m.Seq });
}

/// <summary>A page of history, newest first, strictly between two positions.</summary>
internal sealed class HistoryPageQuery : ICompiledListQuery<ChatMessageDocument>
{
    public Guid Conversation { get; init; }

    public string Viewer { get; init; } = "";

    public long After { get; init; }

    public long Before { get; init; }

    public int Count { get; init; }

    public Expression<Func<IMartenQueryable<ChatMessageDocument>, IEnumerable<ChatMessageDocument>>> QueryIs() => q => q
        .Where(m => m.ConversationId == Conversation && !m.HiddenForEveryone && !m.HiddenFor.Contains(Viewer) && m.Seq > After && m.Seq < Before)
        .OrderByDescending(m => m.Seq).Take(Count);
}

/// <summary>Only what an unread count needs of a message.</summary>
internal sealed class VisibleMessage
{
    public Guid ConversationId { get; init; }

    public long Seq { get; init; }
}
