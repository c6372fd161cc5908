using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Tickets;

/// <summary>Orders parked until the shows they refer to arrive (ADR 0011).</summary>
public sealed class ParkedProjection : IProjection
{
    public string Name => "parked";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("parked").Sealed();

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            stream_id  text        NOT NULL,
            version    bigint      NOT NULL,
            kind       text        NOT NULL,
            entity_id  text        NOT NULL,
            parked_at  timestamptz NOT NULL,
            released   boolean     NOT NULL DEFAULT false,
            PRIMARY KEY (stream_id, version));
        CREATE INDEX ON {table} (released);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        switch (@event)
        {
            case OrderParked e:
                Park(write, recorded, "order", e.Order.Order.OrderId, e.ParkedAt);
                break;
            case ParkedReleased e:
                write.Execute($"UPDATE {write.Table} SET released = true WHERE stream_id = $1 AND version <= $2", recorded.StreamId, e.UpToVersion);
                break;
        }
    }

    private static void Park(ProjectionWrite write, RecordedEvent recorded, string kind, string entityId, DateTimeOffset at) =>
        write.Execute($"INSERT INTO {write.Table} (stream_id, version, kind, entity_id, parked_at) VALUES ($1, $2, $3, $4, $5)", recorded.StreamId, recorded.StreamVersion, kind, entityId, at);
}
