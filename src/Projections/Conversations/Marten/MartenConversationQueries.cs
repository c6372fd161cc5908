using Marten;
using Npgsql;

namespace EventSourced.Projections.Conversations.Marten;

/// <summary>The queries of <see cref="ConversationQueries"/> over the Marten documents, with the same answers.</summary>
public sealed class MartenConversationQueries(NpgsqlDataSource dataSource) : IDisposable
{
    private readonly DocumentStore _store = ChatDocumentStores.Create(dataSource, "conversations");

    public async Task<IReadOnlyList<ConversationRow>> ListAsync(string viewer, bool onlyTheirs, string? visitorId, string? managerId, string? status, CancellationToken ct)
    {
        await using var session = _store.QuerySession();
        var query = session.Query<ChatDocument>().Where(c => !onlyTheirs || c.VisitorId == viewer || c.ManagerId == viewer);
        query = visitorId is null ? query : query.Where(c => c.VisitorId == visitorId);
        query = managerId is null ? query : query.Where(c => c.ManagerId == managerId);
        query = status is null ? query : query.Where(c => c.Status == status);
        var conversations = await query.OrderByDescending(c => c.LastActivityAt).Take(200).ToListAsync(ct);

        // Unread: the other side's messages the viewer can see, after the viewer's read mark.
        var visible = await session.QueryAsync(new VisibleFromOthersQuery { Conversations = conversations.Select(c => c.Id).ToArray(), Viewer = viewer }, ct);
        var unread = visible.ToLookup(m => m.ConversationId, m => m.Seq);
        return conversations.Select(c => new ConversationRow(
            c.Id, c.VisitorId, c.ManagerId, c.Status, c.OpenedAt, c.ClosedAt, c.LastMessageAt, unread[c.Id].LongCount(seq => seq > ReadMark(c, viewer)))).ToList();
    }

    /// <summary>As <see cref="ConversationQueries.MessagesAsync"/>: newest first, after or before a message when given.</summary>
    public async Task<IReadOnlyList<ChatMessageRow>> MessagesAsync(Guid conversationId, string viewer, int count, Guid? sinceId, Guid? beforeId, CancellationToken ct)
    {
        await using var session = _store.QuerySession();
        var after = sinceId is { } since ? (await session.LoadAsync<ChatMessageDocument>(since, ct))?.Seq : long.MinValue;
        var before = beforeId is { } b ? (await session.LoadAsync<ChatMessageDocument>(b, ct))?.Seq : long.MaxValue;
        if (after is not { } from || before is not { } to)
        {
            return [];
        }

        var messages = await session.QueryAsync(new HistoryPageQuery { Conversation = conversationId, Viewer = viewer, After = from, Before = to, Count = count }, ct);
        return messages.Select(m => new ChatMessageRow(m.Id, m.SenderId, m.SenderRole, m.Content, m.PostedAt)).ToList();
    }

    public async Task<(string VisitorId, string ManagerId)?> ParticipantsAsync(Guid conversationId, CancellationToken ct)
    {
        await using var session = _store.QuerySession();
        return await session.LoadAsync<ChatDocument>(conversationId, ct) is { } c ? (c.VisitorId, c.ManagerId) : null;
    }

    public void Dispose() => _store.Dispose();

    // A viewer who is neither participant has no unread messages (as in ConversationQueries).
    private static long ReadMark(ChatDocument c, string viewer) =>
        c.VisitorId == viewer ? c.VisitorReadSeq : c.ManagerId == viewer ? c.ManagerReadSeq : long.MaxValue;
}
