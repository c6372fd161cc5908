using EventSourced.Application.EventStore;
using EventSourced.Projections.Runner;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// Counts how often each event is applied, so a double apply shows as applied = 2. A version with
/// <paramref name="addedColumn"/> has one column more than the ones before it; one with
/// <paramref name="addedSinceBuilt"/> a column and an index on the position, added after its generations were built.
/// </summary>
public sealed class CountingProjection(string name, string category, int version = 1, string? addedColumn = null, bool addedSinceBuilt = false) : IProjection
{
    public const string AddedIndexSuffix = "position_idx";

    public const string AddedSinceBuiltColumn = "noted";

    private int _failuresLeft;

    public string Name => name;

    public int Version => version;

    public EventFilter Filter { get; } = EventFilter.ForCategory(category);

    /// <summary>Values whose events always fail.</summary>
    public HashSet<int> Poison { get; } = [];

    /// <summary>Values whose events always write a parameter Npgsql refuses as it sends the batch, not as it is queued, with that parameter.</summary>
    public Dictionary<int, object> RefusedOnWrite { get; } = [];

    /// <summary>The next N applies write their row and then kill their own database connection, before the commit: a crash.</summary>
    public void CrashAfterWriting(int times) => _failuresLeft = times;

    public string CreateTableSql(string table) =>
        $"CREATE TABLE {table} (event_id uuid PRIMARY KEY, stream_id text NOT NULL, position bigint NOT NULL, applied integer NOT NULL, version integer NOT NULL{(addedColumn is null ? "" : $", {addedColumn} text")}{(addedSinceBuilt ? $", {AddedSinceBuiltColumn} text" : "")})";

    public string AddedSinceBuiltSql(string table) => addedSinceBuilt
        ? $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {AddedSinceBuiltColumn} text; CREATE INDEX IF NOT EXISTS {Generation.IndexName(table, AddedIndexSuffix)} ON {table} (position)"
        : "";

    public string ExpandOlderSql(string table) => addedColumn is null ? "" : $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {addedColumn} text";

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        write.Execute(
            $"INSERT INTO {write.Table} AS t (event_id, stream_id, position, applied, version) VALUES ($1, $2, $3, 1, $4) ON CONFLICT (event_id) DO UPDATE SET applied = t.applied + 1",
            recorded.EventId, recorded.StreamId, recorded.Position, version);
        if (Poison.Contains(((Happened)@event).Value))
        {
            throw new InvalidOperationException($"Poison event {recorded.Position}");
        }

        if (RefusedOnWrite.TryGetValue(((Happened)@event).Value, out var refused))
        {
            write.Execute("SELECT $1", refused);
        }

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            write.Execute("SELECT pg_terminate_backend(pg_backend_pid())");
        }
    }

    public bool ForgetStream(ProjectionWrite write, string streamId)
    {
        if (!streamId.StartsWith($"{category}-", StringComparison.Ordinal))
        {
            return false;
        }

        write.Execute($"DELETE FROM {write.Table} WHERE stream_id = $1", streamId);
        return true;
    }
}

public sealed record Happened(int Value);
