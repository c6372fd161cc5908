using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Domain.Privacy;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Messages;

/// <summary>
/// Each owner's messages (rm.messages) and each one's deliveries per recipient and channel, with
/// their attempts and last error (rm.messages_deliveries); failed ones make the failed queue.
/// </summary>
public sealed class MessagesProjection : IProjection
{
    public const string Deliveries = "_deliveries";

    /// <summary>Why the deliveries waiting when their message was cancelled will not go out.</summary>
    private const string MessageCancelledReason = "the message was cancelled";

    public const string StableName = "messages";

    public string Name => StableName;

    // 2: deliveries carry their owner, attempts, last error and failure time (the failed queue).
    // 3: why a delivery was cancelled; waiting deliveries found by contact (ADR 0040).
    public int Version => 3;

    public EventFilter Filter { get; } = EventFilter.ForCategory("message", "subject");

    public IReadOnlyList<string> MoreTables { get; } = [Deliveries];

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            message_id    uuid        PRIMARY KEY,
            owner_id      text        NOT NULL,
            text          text        NOT NULL,
            not_before    timestamptz NOT NULL,
            status        text        NOT NULL,
            scheduled_at  timestamptz NOT NULL,
            cancelled_at  timestamptz,
            groups        jsonb);
        CREATE TABLE {table}{Deliveries} (
            delivery_id   uuid        PRIMARY KEY,
            message_id    uuid        NOT NULL,
            owner_id      text        NOT NULL,
            contact_id    uuid        NOT NULL,
            contact_name  text        NOT NULL,
            channel       text        NOT NULL,
            address       text        NOT NULL,
            status        text        NOT NULL,
            attempts      integer     NOT NULL DEFAULT 0,
            last_error    text,
            failed_at     timestamptz,
            cancel_reason text);
        CREATE INDEX ON {table}{Deliveries} (message_id);
        """;

    // Version 2's deliveries, served while version 3 is built, read no reason.
    public string ExpandOlderSql(string table) => $"ALTER TABLE {table}{Deliveries} ADD COLUMN IF NOT EXISTS cancel_reason text;";

    public string ServingIndexesSql(string table) => $"""
        CREATE INDEX ON {table} (owner_id, status, scheduled_at DESC);
        CREATE INDEX ON {table}{Deliveries} (owner_id, failed_at, delivery_id) WHERE status = 'failed';
        CREATE INDEX ON {table}{Deliveries} (contact_id) WHERE status IN ('scheduled', 'retrying', 'failed');
        """;

    /// <summary>
    /// The statuses of a delivery still to end, as SQL: the queries that count and filter on them
    /// say it in these very words, so that PostgreSQL uses the partial index below.
    /// </summary>
    public const string StillToEnd = "('scheduled', 'sending', 'retrying')";

    // Deliveries still to end, by message: a message's status is read from them (ADR 0034).
    // The groups a message was sent to (ADR 0048): those scheduled before them name none.
    public string AddedSinceBuiltSql(string table) => $"""

        CREATE INDEX IF NOT EXISTS {Generation.IndexName(table + Deliveries, "waiting_idx")} ON {table}{Deliveries} (message_id) WHERE status IN {StillToEnd};
        ALTER TABLE {table} ADD COLUMN IF NOT EXISTS groups jsonb;
        """;

    public bool ForgetStream(ProjectionWrite write, string streamId)
    {
        if (StreamIds.GuidOf(streamId, Message.StreamId) is not { } id)
        {
            return false;
        }

        write.Execute($"DELETE FROM {write.Table}{Deliveries} WHERE message_id = $1", id);
        write.Execute($"DELETE FROM {write.Table} WHERE message_id = $1", id);
        return true;
    }

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        var t = write.Table;
        switch (@event)
        {
            case MessageScheduled e:
                write.Insert(t, "message_id, owner_id, text, not_before, status, scheduled_at", e.MessageId, e.OwnerId, e.Text, e.NotBefore, "scheduled", e.ScheduledAt);
                if (e.Groups is { } groups)
                {
                    // Its own statement: gathered inserts take no JSON. Only messages to groups pay for it.
                    write.Execute($"UPDATE {t} SET groups = $2::jsonb WHERE message_id = $1", e.MessageId, MessageGroup.Json(groups));
                }

                foreach (var d in e.Deliveries)
                {
                    InsertDelivery(write, e.MessageId, e.OwnerId, d);
                }

                break;
            case MessageEdited e:
                write.Execute($"UPDATE {t} SET text = $2, not_before = $3 WHERE message_id = $1", e.MessageId, e.Text, e.NotBefore);
                break;
            case MessageGroupsAdded e:
                write.Execute($"UPDATE {t} SET groups = coalesce(groups, '[]') || $2::jsonb WHERE message_id = $1", e.MessageId, MessageGroup.Json(e.Groups));
                break;
            case MessageCancelled e:
                write.Execute($"UPDATE {t} SET status = 'cancelled', cancelled_at = $2 WHERE message_id = $1", e.MessageId, e.CancelledAt);
                // A send in flight ends as it ends (Message.Evolve); what waits will not go out.
                write.Execute($"UPDATE {t}{Deliveries} SET status = 'cancelled', cancel_reason = $2 WHERE message_id = $1 AND status IN ('scheduled', 'retrying')",
                    e.MessageId, MessageCancelledReason);
                break;
            // A delivery's every step changes its row: gathered, each kind of step is one statement
            // for all the deliveries of the batch, not one a delivery.
            case DeliveryAttempted e:
                write.Row($"UPDATE {t}{Deliveries} d SET status = 'sending', attempts = r.attempts FROM rows r WHERE d.delivery_id = r.id",
                    "id uuid, attempts integer", e.DeliveryId, e.Attempt);
                break;
            case DeliverySucceeded e:
                write.Row($"UPDATE {t}{Deliveries} d SET status = 'delivered', last_error = NULL FROM rows r WHERE d.delivery_id = r.id", "id uuid", e.DeliveryId);
                break;
            case DeliveryAttemptFailed e:
                write.Row($"UPDATE {t}{Deliveries} d SET status = 'retrying', last_error = r.error FROM rows r WHERE d.delivery_id = r.id",
                    "id uuid, error text", e.DeliveryId, e.Error);
                break;
            case DeliveryFailed e:
                write.Row($"UPDATE {t}{Deliveries} d SET status = 'failed', last_error = r.error, failed_at = r.failed_at FROM rows r WHERE d.delivery_id = r.id",
                    "id uuid, error text, failed_at timestamptz", e.DeliveryId, e.Error, e.FailedAt);
                break;
            case DeliveryRedeliveryRequested e:
                write.Execute($"UPDATE {t}{Deliveries} SET status = 'scheduled', attempts = 0, failed_at = NULL WHERE delivery_id = $1", e.DeliveryId);
                break;
            case DeliveryDiscarded e:
                write.Execute($"UPDATE {t}{Deliveries} SET status = 'discarded' WHERE delivery_id = $1", e.DeliveryId);
                break;
            case DeliveryCancelled e:
                write.Execute($"UPDATE {t}{Deliveries} SET status = 'cancelled', cancel_reason = $2 WHERE delivery_id = $1", e.DeliveryId, e.Reason);
                break;
            case DeliveryPlanned e:
                InsertDelivery(write, e.MessageId, e.OwnerId, new PlannedDelivery(e.DeliveryId, e.ContactId, e.ContactName, e.Channel, e.Address));
                break;
            case DeliveryReaddressed e:
                write.Execute($"UPDATE {t}{Deliveries} SET address = $2 WHERE delivery_id = $1", e.DeliveryId, e.Address);
                break;
            case SubjectForgotten { Kind: SubjectKind.Contact, ContactId: { } contact }:
                write.Execute($"UPDATE {t}{Deliveries} SET contact_name = $2, address = $2 WHERE contact_id = $1", contact, Withheld.Erased);
                break;
        }
    }

    private static void InsertDelivery(ProjectionWrite write, Guid messageId, string ownerId, PlannedDelivery d) =>
        write.Insert($"{write.Table}{Deliveries}", "delivery_id, message_id, owner_id, contact_id, contact_name, channel, address, status",
            d.DeliveryId, messageId, ownerId, d.ContactId, d.ContactName, d.Channel.ToString().ToLowerInvariant(), d.Address, "scheduled");
}
