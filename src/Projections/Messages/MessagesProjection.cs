using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Messages;

/// <summary>Each owner's messages (rm.messages) and each one's deliveries per recipient and channel (rm.messages_deliveries).</summary>
public sealed class MessagesProjection : IProjection
{
    public const string Deliveries = "_deliveries";

    public string Name => "messages";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("message");

    public IReadOnlyList<string> MoreTables { get; } = [Deliveries];

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            message_id    uuid        PRIMARY KEY,
            owner_id      text        NOT NULL,
            text          text        NOT NULL,
            not_before    timestamptz NOT NULL,
            status        text        NOT NULL,
            scheduled_at  timestamptz NOT NULL,
            cancelled_at  timestamptz);
        CREATE INDEX ON {table} (owner_id, status, scheduled_at DESC);
        CREATE TABLE {table}{Deliveries} (
            delivery_id   uuid PRIMARY KEY,
            message_id    uuid NOT NULL,
            contact_id    uuid NOT NULL,
            contact_name  text NOT NULL,
            channel       text NOT NULL,
            address       text NOT NULL,
            status        text NOT NULL);
        CREATE INDEX ON {table}{Deliveries} (message_id);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        var t = write.Table;
        switch (@event)
        {
            case MessageScheduled e:
                write.Execute($"INSERT INTO {t} (message_id, owner_id, text, not_before, status, scheduled_at) VALUES ($1, $2, $3, $4, 'scheduled', $5)",
                    e.MessageId, e.OwnerId, e.Text, e.NotBefore, e.ScheduledAt);
                foreach (var d in e.Deliveries)
                {
                    write.Execute($"INSERT INTO {t}{Deliveries} (delivery_id, message_id, contact_id, contact_name, channel, address, status) VALUES ($1, $2, $3, $4, $5, $6, 'scheduled')",
                        d.DeliveryId, e.MessageId, d.ContactId, d.ContactName, d.Channel.ToString().ToLowerInvariant(), d.Address);
                }

                break;
            case MessageCancelled e:
                write.Execute($"UPDATE {t} SET status = 'cancelled', cancelled_at = $2 WHERE message_id = $1", e.MessageId, e.CancelledAt);
                write.Execute($"UPDATE {t}{Deliveries} SET status = 'cancelled' WHERE message_id = $1", e.MessageId);
                break;
        }
    }
}
