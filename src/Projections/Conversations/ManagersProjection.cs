using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Conversations;

/// <summary>Managers and whether they are on duty (from the duty roster).</summary>
public sealed class ManagersProjection : IProjection
{
    public string Name => "managers";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("duty");

    public string CreateTableSql(string table) =>
        $"CREATE TABLE {table} (manager_id text PRIMARY KEY, on_duty boolean NOT NULL, since timestamptz NOT NULL)";

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        var (manager, onDuty, at) = @event switch
        {
            ManagerWentOnDuty e => (e.ManagerId, true, e.At),
            ManagerWentOffDuty e => (e.ManagerId, false, e.At),
            _ => (null, false, default(DateTimeOffset)),
        };
        if (manager is not null)
        {
            write.Execute($"""
                INSERT INTO {write.Table} (manager_id, on_duty, since) VALUES ($1, $2, $3)
                ON CONFLICT (manager_id) DO UPDATE SET on_duty = $2, since = $3
                """, manager, onDuty, at);
        }
    }
}
