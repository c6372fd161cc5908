using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Tickets;

/// <summary>The seller's shows ("ticket events"), as last reported.</summary>
public sealed class ShowsProjection : IProjection
{
    public string Name => "shows";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("ticketevent");

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            event_id  text        PRIMARY KEY,
            title     text        NOT NULL,
            venue     text        NOT NULL,
            starts_at timestamptz NOT NULL,
            status    text        NOT NULL,
            source    text        NOT NULL);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        if (@event is TicketEventRecorded e)
        {
            write.Execute($"""
                INSERT INTO {write.Table} (event_id, title, venue, starts_at, status, source) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (event_id) DO UPDATE SET title = $2, venue = $3, starts_at = $4, status = $5, source = $6
                """, e.EventId, e.Title, e.Venue, e.Start, e.Status, e.Source);
        }
    }
}
