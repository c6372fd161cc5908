using EventSourced.Application;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Conversations;

/// <param name="Unread">Messages from the other side the caller has not marked read.</param>
public sealed record ConversationRow(Guid Id, string VisitorId, string ManagerId, string Status, DateTimeOffset OpenedAt, DateTimeOffset? ClosedAt, DateTimeOffset? LastMessageAt, long Unread);

/// <summary>Which conversations to list: each filter given keeps those that match it.</summary>
public sealed record ConversationFilter(string? VisitorId, string? ManagerId, string? Status);

/// <param name="Read">Whether the other side has read it: the manager of now for the visitor's messages, the visitor for the rest.</param>
public sealed record ChatMessageRow(Guid Id, string SenderId, string SenderRole, string Content, DateTimeOffset PostedAt, bool Read);

public sealed record ManagerRow(string ManagerId, bool OnDuty, DateTimeOffset Since, long OpenConversations);

/// <summary>Reads conversations as one participant sees them: their unread counts, without what they hid.</summary>
public sealed class ConversationQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    private const string Unread = """
        (SELECT count(*) FROM rm.conversations_messages m
         WHERE m.conversation_id = c.conversation_id AND m.sender_id <> $1 AND NOT m.hidden_for_everyone AND NOT ($1 = ANY(m.hidden_for))
           AND m.seq > CASE WHEN c.visitor_id = $1 THEN c.visitor_read_seq WHEN c.manager_id = $1 THEN c.manager_read_seq ELSE 9223372036854775807 END)
        """;

    /// <summary>
    /// Conversations by their last activity (last message, else opening), latest first.
    /// <paramref name="beforeId"/> (the last one listed) pages back from where that conversation
    /// is now: one that has a new message since moved to the top, so paging from it starts over.
    /// </summary>
    /// <param name="viewer">Whose unread counts to show; with <paramref name="onlyTheirs"/> also whose conversations.</param>
    public Task<IReadOnlyList<ConversationRow>> ListAsync(
        string viewer, bool onlyTheirs, ConversationFilter filter, int limit, Guid? beforeId, CancellationToken ct)
    {
        // Only the filters asked for are in the text: each shape gets a plan of its own that uses the
        // participant indexes (an "$n IS NULL OR ..." filter would make a prepared plan scan every row).
        List<object?> values = [viewer, limit];
        List<string> filters = onlyTheirs ? ["(c.visitor_id = $1 OR c.manager_id = $1)"] : [];
        foreach (var (column, value) in new[] { ("visitor_id", filter.VisitorId), ("manager_id", filter.ManagerId), ("status", filter.Status) }.Where(f => f.Item2 is not null))
        {
            values.Add(value);
            filters.Add($"c.{column} = ${values.Count}");
        }

        var before = "";
        if (beforeId is { } id)
        {
            // A conversation the caller cannot list is no place to page from: none follow it.
            values.Add(id);
            before = $"WHERE (c.active_at, c.conversation_id) < (SELECT active_at, conversation_id FROM listed WHERE conversation_id = ${values.Count})";
        }

        // NOT MATERIALIZED: the cursor's lookup reads one conversation by its key rather than all
        // of them a second time (measured on 20,000 conversations: 70 ms a page back, not 110 to 160).
        return dataSource.QueryAsync($"""
            WITH listed AS NOT MATERIALIZED (
                SELECT c.conversation_id, c.visitor_id, c.manager_id, c.status, c.opened_at, c.closed_at, c.visitor_read_seq, c.manager_read_seq,
                       last.posted_at AS last_message_at, coalesce(last.posted_at, c.opened_at) AS active_at
                FROM rm.conversations c
                LEFT JOIN LATERAL (SELECT posted_at FROM rm.conversations_messages m WHERE m.conversation_id = c.conversation_id ORDER BY m.seq DESC LIMIT 1) last ON true
                {(filters.Count == 0 ? "" : "WHERE " + string.Join(" AND ", filters))})
            SELECT c.conversation_id, c.visitor_id, c.manager_id, c.status, c.opened_at, c.closed_at, c.last_message_at, {Unread}
            FROM listed c {before}
            ORDER BY c.active_at DESC, c.conversation_id DESC LIMIT $2
            """,
            r => new ConversationRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4),
                r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.GetInt64(7)),
            ct, [.. values]);
    }

    /// <summary>
    /// Messages newest first: after <paramref name="sinceId"/> (exclusive) when given, else the
    /// latest; <paramref name="beforeId"/> pages back through older history. Hidden ones are left out.
    /// </summary>
    public Task<IReadOnlyList<ChatMessageRow>> MessagesAsync(Guid conversationId, string viewer, int count, Guid? sinceId, Guid? beforeId, CancellationToken ct) =>
        dataSource.QueryAsync("""
            SELECT m.message_id, m.sender_id, m.sender_role, m.content, m.posted_at,
                   m.seq <= CASE WHEN m.sender_id = c.visitor_id THEN c.manager_read_seq ELSE c.visitor_read_seq END
            FROM rm.conversations_messages m JOIN rm.conversations c ON c.conversation_id = m.conversation_id
            WHERE m.conversation_id = $1 AND NOT m.hidden_for_everyone AND NOT ($2 = ANY(m.hidden_for))
              AND ($4::uuid IS NULL OR m.seq > (SELECT seq FROM rm.conversations_messages WHERE message_id = $4))
              AND ($5::uuid IS NULL OR m.seq < (SELECT seq FROM rm.conversations_messages WHERE message_id = $5))
            ORDER BY m.seq DESC LIMIT $3
            """,
            r => new ChatMessageRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetBoolean(5)),
            ct, conversationId, viewer, count, sinceId, beforeId);

    /// <summary>The participants of a conversation, or null when the read model does not have it.</summary>
    public async Task<(string VisitorId, string ManagerId)?> ParticipantsAsync(Guid conversationId, CancellationToken ct)
    {
        var rows = await dataSource.QueryAsync("SELECT visitor_id, manager_id FROM rm.conversations WHERE conversation_id = $1", r => (r.GetString(0), r.GetString(1)), ct, conversationId);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// The open conversations of managers who have left duty, oldest first, each with its manager:
    /// all of them, as a hand-over must leave none behind.
    /// </summary>
    public Task<IReadOnlyList<(Guid Id, string ManagerId)>> OpenChatsOfManagersOffDutyAsync(CancellationToken ct) =>
        dataSource.QueryAsync($"""
            SELECT c.conversation_id, c.manager_id FROM rm.conversations c JOIN rm.managers m ON m.manager_id = c.manager_id
            WHERE NOT m.on_duty AND c.status = '{ConversationsProjection.Open}' ORDER BY c.opened_at
            """,
            r => (r.GetGuid(0), r.GetString(1)), ct);

    public Task<IReadOnlyList<ManagerRow>> ManagersAsync(CancellationToken ct) =>
        dataSource.QueryAsync($"""
            SELECT m.manager_id, m.on_duty, m.since,
                   (SELECT count(*) FROM rm.conversations c WHERE c.manager_id = m.manager_id AND c.status = '{ConversationsProjection.Open}')
            FROM rm.managers m ORDER BY m.on_duty DESC, m.manager_id
            """,
            r => new ManagerRow(r.GetString(0), r.GetBoolean(1), r.GetFieldValue<DateTimeOffset>(2), r.GetInt64(3)), ct);
}
