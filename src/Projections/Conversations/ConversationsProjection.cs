using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Privacy;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Conversations;

/// <summary>
/// Conversations with their participants' read marks (rm.conversations) and their posted messages
/// with who hid them (rm.conversations_messages). Rejected messages are never shown.
/// </summary>
public sealed class ConversationsProjection : IProjection
{
    public const string Messages = "_messages";

    public const string Open = "open";
    public const string Closed = "closed";

    public static readonly IReadOnlyList<string> Statuses = [Open, Closed];

    public string Name => "conversations";

    // 2: the last message's time is read from the messages, so posting a message is one plain insert.
    // 3: each manager's read mark is kept, for a chat handed back to a manager who had read it.
    public int Version => 3;

    public EventFilter Filter { get; } = EventFilter.ForCategory("conversation", "subject");

    public IReadOnlyList<string> MoreTables { get; } = [Messages];

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            conversation_id   uuid        PRIMARY KEY,
            visitor_id        text        NOT NULL,
            manager_id        text        NOT NULL,
            status            text        NOT NULL,
            opened_at         timestamptz NOT NULL,
            closed_at         timestamptz,
            visitor_read_seq  bigint      NOT NULL DEFAULT -1,
            manager_read_seq  bigint      NOT NULL DEFAULT -1,
            -- Every manager's read mark, by manager id: the current one's is manager_read_seq.
            manager_read_seqs jsonb       NOT NULL DEFAULT jsonb_build_object());
        CREATE TABLE {table}{Messages} (
            conversation_id      uuid        NOT NULL,
            seq                  bigint      NOT NULL,
            message_id           uuid        NOT NULL UNIQUE,
            sender_id            text        NOT NULL,
            sender_role          text        NOT NULL,
            content              text        NOT NULL,
            posted_at            timestamptz NOT NULL,
            hidden_for           text[]      NOT NULL DEFAULT ARRAY[]::text[],
            hidden_for_everyone  boolean     NOT NULL DEFAULT false,
            PRIMARY KEY (conversation_id, seq));
        """;

    public string ServingIndexesSql(string table) => $"""
        CREATE INDEX ON {table} (visitor_id);
        CREATE INDEX ON {table} (manager_id, status);
        """;

    public bool ForgetStream(ProjectionWrite write, string streamId)
    {
        if (StreamIds.GuidOf(streamId, Conversation.StreamId) is not { } id)
        {
            return false;
        }

        write.Execute($"DELETE FROM {write.Table}{Messages} WHERE conversation_id = $1", id);
        write.Execute($"DELETE FROM {write.Table} WHERE conversation_id = $1", id);
        return true;
    }

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        var t = write.Table;
        switch (@event)
        {
            case ConversationOpened e:
                write.Insert(t, "conversation_id, visitor_id, manager_id, status, opened_at", e.ConversationId, e.VisitorId, e.ManagerId, Open, e.OpenedAt);
                break;
            case ChatMessagePosted e:
                write.Insert(
                    $"{t}{Messages}", "conversation_id, seq, message_id, sender_id, sender_role, content, posted_at",
                    e.ConversationId, recorded.StreamVersion, e.MessageId, e.SenderId, e.SenderRole.ToString().ToLowerInvariant(), e.Content, e.PostedAt);
                break;
            case ChatMessagesRead e:
                write.Execute($"""
                    UPDATE {t} SET
                        visitor_read_seq = CASE WHEN visitor_id = $2 THEN m.seq ELSE visitor_read_seq END,
                        manager_read_seq = CASE WHEN manager_id = $2 THEN m.seq ELSE manager_read_seq END,
                        manager_read_seqs = CASE WHEN manager_id = $2 THEN manager_read_seqs || jsonb_build_object($2::text, m.seq) ELSE manager_read_seqs END
                    FROM (SELECT seq FROM {t}{Messages} WHERE message_id = $3) m
                    WHERE conversation_id = $1
                    """, e.ConversationId, e.ReaderId, e.UpToMessageId);
                break;
            case ChatMessageHidden { HiddenFor: null } e:
                write.Execute($"UPDATE {t}{Messages} SET hidden_for_everyone = true WHERE message_id = $1", e.MessageId);
                break;
            case ChatMessageHidden e:
                write.Execute($"UPDATE {t}{Messages} SET hidden_for = array_append(hidden_for, $2) WHERE message_id = $1", e.MessageId, e.HiddenFor);
                break;
            case SubjectForgotten { Kind: SubjectKind.Visitor, VisitorId: { } visitor }:
                write.Execute($"UPDATE {t}{Messages} m SET content = $2 FROM {t} c WHERE c.conversation_id = m.conversation_id AND c.visitor_id = $1", visitor, Withheld.Erased);
                break;
            case ConversationTransferred e:
                // The new manager has read what they read when it was theirs before, else nothing.
                write.Execute(
                    $"UPDATE {t} SET manager_id = $2, manager_read_seq = coalesce((manager_read_seqs ->> $2::text)::bigint, -1) WHERE conversation_id = $1",
                    e.ConversationId, e.ToManagerId);
                break;
            case ConversationClosed e:
                write.Execute($"UPDATE {t} SET status = '{Closed}', closed_at = $2 WHERE conversation_id = $1", e.ConversationId, e.ClosedAt);
                break;
        }
    }
}
