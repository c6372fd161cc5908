using EventSourced.Application.Deliveries;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Deliveries;

/// <summary>
/// When each pending delivery is next due: at its message's not-before time, at its retry time, or
/// (while an attempt is in flight) when that attempt would count as lost. Built from the message
/// streams like any read model, so due times survive restarts and a rebuild yields the same schedule.
/// </summary>
public sealed class DeliveryScheduleProjection(DeliveryOptions options) : IProjection
{
    public const string StableName = "delivery_schedule";

    public string Name => StableName;

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("message");

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            delivery_id    uuid        PRIMARY KEY,
            message_id     uuid        NOT NULL,
            status         text        NOT NULL,
            due_at         timestamptz NOT NULL,
            lane           text,
            lane_position  bigint);
        CREATE INDEX ON {table} (message_id);
        """;

    public string ServingIndexesSql(string table) => $"CREATE INDEX ON {table} (due_at);";

    // Notifications' order per target came after version 1 was built: no rebuild for it.
    public string AddedSinceBuiltSql(string table) => $"""
        ALTER TABLE {table} ADD COLUMN IF NOT EXISTS lane text, ADD COLUMN IF NOT EXISTS lane_position bigint;
        CREATE INDEX IF NOT EXISTS {Generation.IndexName(table, "lane_idx")} ON {table} (lane, lane_position) WHERE lane IS NOT NULL;
        """;

    /// <summary>
    /// The lane a delivery keeps its place in: a notification's target (a chat, a ticket), whose
    /// readers expect its notifications in the order they were scheduled (a deploy's "deployed"
    /// after its "deploying"). A contact's deliveries take no lane: one failing would hold back
    /// every later message to that contact.
    /// </summary>
    public static string? LaneOf(PlannedDelivery delivery) =>
        delivery.ContactId == Guid.Empty ? $"{delivery.Channel}:{delivery.Address}" : null;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        var t = write.Table;
        switch (@event)
        {
            case MessageScheduled e:
                foreach (var d in e.Deliveries)
                {
                    var lane = LaneOf(d);
                    write.Insert(t, "delivery_id, message_id, status, due_at, lane, lane_position", d.DeliveryId, e.MessageId, "waiting", e.NotBefore, lane, lane is null ? null : recorded.Position);
                }

                break;
            case DeliveryPlanned e:
                write.Insert(t, "delivery_id, message_id, status, due_at", e.DeliveryId, e.MessageId, "waiting", e.NotBefore);
                break;
            // Only a message none of whose deliveries has started is edited: each still waits for its time.
            case MessageEdited e:
                write.Execute($"UPDATE {t} SET due_at = $2 WHERE message_id = $1 AND status = 'waiting'", e.MessageId, e.NotBefore);
                break;
            case MessageCancelled e:
                // A send in flight ends as it ends; what waits will not go out.
                write.Execute($"DELETE FROM {t} WHERE message_id = $1 AND status = 'waiting'", e.MessageId);
                break;
            // Gathered: one statement a kind of step for all the deliveries of the batch.
            case DeliveryAttempted e:
                write.Row($"UPDATE {t} s SET status = 'sending', due_at = r.due_at FROM rows r WHERE s.delivery_id = r.id",
                    "id uuid, due_at timestamptz", e.DeliveryId, e.AttemptedAt + options.AttemptTimeout);
                break;
            case DeliveryAttemptFailed e:
                write.Row($"UPDATE {t} s SET status = 'waiting', due_at = r.due_at FROM rows r WHERE s.delivery_id = r.id",
                    "id uuid, due_at timestamptz", e.DeliveryId, e.RetryAt);
                break;
            case DeliveryRedeliveryRequested e:
                write.Execute(
                    $"INSERT INTO {t} (delivery_id, message_id, status, due_at) VALUES ($1, $2, 'waiting', $3) ON CONFLICT (delivery_id) DO UPDATE SET status = 'waiting', due_at = $3",
                    e.DeliveryId, e.MessageId, e.RequestedAt);
                break;
            case DeliverySucceeded or DeliveryFailed or DeliveryDiscarded or DeliveryCancelled:
                write.Row($"DELETE FROM {t} s USING rows r WHERE s.delivery_id = r.id", "id uuid", ((IDeliveryEvent)@event).DeliveryId);
                break;
        }
    }
}
