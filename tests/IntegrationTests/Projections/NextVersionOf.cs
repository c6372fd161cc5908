using EventSourced.Application.EventStore;
using EventSourced.Projections.Runner;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// A projection as the next build has it, for nodes of two versions: the same, one version up. A
/// build of it can be made slow (<paramref name="eachEvent"/> of the database's time per event), and
/// made to fail on the events <paramref name="failsOn"/> picks.
/// </summary>
public sealed class NextVersionOf(IProjection projection, TimeSpan eachEvent = default, Func<object, bool>? failsOn = null) : IProjection
{
    public string Name => projection.Name;

    public int Version => projection.Version + 1;

    public EventFilter Filter => projection.Filter;

    public IReadOnlyList<string> MoreTables => projection.MoreTables;

    public string CreateTableSql(string table) => projection.CreateTableSql(table);

    public string ServingIndexesSql(string table) => projection.ServingIndexesSql(table);

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        if (failsOn?.Invoke(@event) == true)
        {
            throw new InvalidOperationException($"Version {Version} fails on this event.");
        }

        if (eachEvent > TimeSpan.Zero)
        {
            write.Execute($"SELECT pg_sleep({eachEvent.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        }

        projection.Apply(write, recorded, @event);
    }
}
