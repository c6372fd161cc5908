using EventSourced.Application.EventStore;
using EventSourced.Projections.Runner;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// A projection as the next build has it, for nodes of two versions: the same, one version up. A
/// build of it can be made slow (<paramref name="eachEvent"/> of the database's time per event),
/// made to fail on the events <paramref name="failsOn"/> picks, and held at its first event until
/// the test sets <paramref name="heldUntil"/> (outside any transaction: nothing else waits for it).
/// </summary>
public sealed class NextVersionOf(IProjection projection, TimeSpan eachEvent = default, Func<object, bool>? failsOn = null, ManualResetEventSlim? heldUntil = null) : IProjection
{
    public string Name => projection.Name;

    public int Version => projection.Version + 1;

    public EventFilter Filter => projection.Filter;

    public IReadOnlyList<string> MoreTables => projection.MoreTables;

    public string CreateTableSql(string table) => projection.CreateTableSql(table);

    public string ServingIndexesSql(string table) => projection.ServingIndexesSql(table);

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        // A bound, so that a test that fails before letting it go still ends.
        if (heldUntil?.Wait(TimeSpan.FromMinutes(5)) == false)
        {
            throw new TimeoutException("The build was never let go.");
        }

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
