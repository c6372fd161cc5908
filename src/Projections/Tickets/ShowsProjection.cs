using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Tickets;

/// <summary>
/// The seller's shows as last reported. The availability and minimum price that orders report are
/// kept by the tickets projection (rm.tickets_availability), which reads every order anyway: this
/// one reads shows only, so an order is read from the store and parsed once, not twice.
/// </summary>
public sealed class ShowsProjection : IProjection
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Name => "shows";

    public int Version => 3;

    public EventFilter Filter { get; } = EventFilter.ForTypes("show_synced").Sealed();

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            event_id          text        PRIMARY KEY,
            group_id          text,
            name              text        NOT NULL,
            status            text        NOT NULL,
            category          text        NOT NULL,
            start_at          timestamptz NOT NULL,
            finish_at         timestamptz NOT NULL,
            offset_minutes    integer     NOT NULL,
            media             text,
            description       text,
            organizer         jsonb,
            venue             jsonb,
            source            text        NOT NULL);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        if (@event is ShowSynced { Show: var s } e)
        {
            write.Execute($"""
                INSERT INTO {write.Table} (event_id, group_id, name, status, category, start_at, finish_at, offset_minutes, media, description, organizer, venue, source)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13)
                ON CONFLICT (event_id) DO UPDATE SET group_id = $2, name = $3, status = $4, category = $5, start_at = $6, finish_at = $7, offset_minutes = $8,
                    media = $9, description = $10, organizer = $11::jsonb, venue = $12::jsonb, source = $13
                """,
                s.EventId, s.GroupId, s.Name, s.Status, s.Category, s.StartAt.ToUniversalTime(), s.FinishAt.ToUniversalTime(), (int)s.StartAt.Offset.TotalMinutes, s.Media, s.Description,
                JsonOrNull(s.Organizer), JsonOrNull(s.Venue), e.Source);
        }
    }

    private static string? JsonOrNull(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Json);
}
