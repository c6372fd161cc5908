using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <param name="Processed">Events this generation has applied (or parked).</param>
/// <param name="LagEvents">Events waiting for the projection, counted up to <see cref="ProjectionStatusQueries.LagCountLimit"/>.</param>
/// <param name="LagSeconds">Age of the oldest waiting event; 0 when caught up.</param>
/// <param name="NodesRunning">Nodes running this generation's version of the projection now (one of them leads it, or keeps it live while a newer version is built).</param>
public sealed record ProjectionStatus(
    string Name, int Version, int Generation, bool Serving, bool Stopped, long Position, long Processed, DateTimeOffset UpdatedAt, int LagEvents, double LagSeconds, long DeadLetters,
    long NodesRunning);

/// <param name="Position">The last event it acted on (0: none yet).</param>
/// <param name="LagEvents">Events waiting for it, counted up to <see cref="ProjectionStatusQueries.LagCountLimit"/>.</param>
/// <param name="LagSeconds">Age of the oldest waiting event; 0 when caught up.</param>
/// <param name="Failing">The event it keeps failing on, or null when the last one went through.</param>
public sealed record ReactorStatus(string Name, long Position, int LagEvents, double LagSeconds, ReactorFailure? Failing);

/// <summary>An event a reactor has failed to act on since <paramref name="Since"/>, <paramref name="Attempts"/> times in a row; the last error.</summary>
public sealed record ReactorFailure(long Position, string Error, DateTimeOffset Since, int Attempts);

/// <summary>How long a serving read model has been behind; or, while <paramref name="BuildingVersion"/> is built to replace it and has moved on more recently, how long that build has not moved on.</summary>
public sealed record ReadModelBehind(TimeSpan Behind, int? BuildingVersion);

/// <summary>Where each projection and reactor stands, for operators (CLI and admin endpoints).</summary>
public sealed class ProjectionStatusQueries(
    NpgsqlDataSource dataSource, IEventStore store, IEnumerable<IProjection> projections, IEnumerable<ReactorDefinition> reactors, TimeProvider clock)
{
    public const int LagCountLimit = 10_000;

    public IReadOnlyList<IProjection> Registered { get; } = [.. projections];

    /// <summary>
    /// The projections that serve queries now, each with how long it has been behind: how long the
    /// oldest event it has yet to apply has waited (zero when caught up), one read per projection,
    /// cheap enough for a readiness probe. While the nodes build another version of it (an upgrade
    /// or a rollback), the serving generation is kept live only while a node of its own version
    /// runs (ADR 0012): then it is how long the serving one is behind or how long that build has
    /// not moved on, whichever is less.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ReadModelBehind>> WaitingAsync(CancellationToken ct)
    {
        var checkpoints = new List<(string Name, long Position, int? BuildingVersion, DateTimeOffset BuildMoved)>();
        await using (var command = dataSource.CreateCommand($"""
            WITH {RunningVersions.Cte}
            SELECT a.projection, a.position, b.version, b.updated_at
            FROM proj.checkpoints a
            LEFT JOIN LATERAL (
                SELECT c.version, c.updated_at FROM proj.checkpoints c
                WHERE c.projection = a.projection AND NOT c.active AND c.generation > a.generation
                  AND c.version <> a.version AND c.version = {RunningVersions.NewestSql("a.projection")}
                ORDER BY c.generation DESC LIMIT 1) b ON true
            WHERE a.active
            """))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                checkpoints.Add((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? default : reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }

        var waiting = new Dictionary<string, ReadModelBehind>();
        foreach (var (name, position, buildingVersion, buildMoved) in checkpoints)
        {
            var filter = Registered.FirstOrDefault(p => p.Name == name)?.Filter ?? EventFilter.All;
            var next = await store.ReadAllAsync(position, 1, filter, ct);
            var behind = next.Events.Count > 0 ? clock.GetUtcNow() - next.Events[0].Timestamp : TimeSpan.Zero;
            var buildSilent = clock.GetUtcNow() - buildMoved;
            waiting[name] = buildingVersion is { } version && buildSilent < behind
                ? new ReadModelBehind(buildSilent, version)
                : new ReadModelBehind(behind, BuildingVersion: null);
        }

        return waiting;
    }

    public async Task<IReadOnlyList<ProjectionStatus>> AllAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH {RunningVersions.Cte}
            SELECT c.projection, c.version, c.generation, c.active, c.stopped, c.position, c.processed, c.updated_at,
                   (SELECT count(*) FROM proj.dead_letters d WHERE d.projection = c.projection AND d.generation = c.generation),
                   {RunningVersions.NodesSql("c.projection", "c.version")}
            FROM proj.checkpoints c ORDER BY c.projection, c.generation
            """);
        var rows = new List<ProjectionStatus>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add(new ProjectionStatus(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetBoolean(3), reader.GetBoolean(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetFieldValue<DateTimeOffset>(7), 0, 0, reader.GetInt64(8), reader.GetInt64(9)));
            }
        }

        var withLag = new List<ProjectionStatus>();
        foreach (var row in rows)
        {
            var filter = Registered.FirstOrDefault(p => p.Name == row.Name)?.Filter ?? EventFilter.All;
            withLag.Add(await WithLagAsync(row, filter, ct));
        }

        return withLag;
    }

    /// <summary>
    /// Where each reactor stands: those that act on events rather than keep a read model (chats
    /// handed over, deploy notifications), whether or not this node runs them.
    /// </summary>
    public async Task<IReadOnlyList<ReactorStatus>> ReactorsAsync(CancellationToken ct)
    {
        var checkpoints = (await dataSource.QueryAsync(
                "SELECT name, position, failing_position, failure, failing_since, attempts FROM proj.reactor_checkpoints",
                r => (Name: r.GetString(0), Position: r.GetInt64(1),
                    Failing: r.IsDBNull(2) ? null : new ReactorFailure(r.GetInt64(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetInt32(5))),
                ct))
            .ToDictionary(r => r.Name);
        var statuses = new List<ReactorStatus>();
        foreach (var reactor in reactors)
        {
            var checkpoint = checkpoints.GetValueOrDefault(reactor.Name);
            var (lagEvents, lagSeconds) = await LagAsync(checkpoint.Position, reactor.Filter, ct);
            statuses.Add(new ReactorStatus(reactor.Name, checkpoint.Position, lagEvents, lagSeconds, checkpoint.Failing));
        }

        return statuses;
    }

    private async Task<ProjectionStatus> WithLagAsync(ProjectionStatus row, EventFilter filter, CancellationToken ct)
    {
        var (lagEvents, lagSeconds) = await LagAsync(row.Position, filter, ct);
        return row with { LagEvents = lagEvents, LagSeconds = lagSeconds };
    }

    // Lag is counted by reading, not by subtracting positions: positions are sparse (docs/adr/0007).
    private async Task<(int Events, double Seconds)> LagAsync(long position, EventFilter filter, CancellationToken ct)
    {
        var waiting = 0;
        DateTimeOffset? oldest = null;
        var after = position;
        while (waiting < LagCountLimit)
        {
            var page = await store.ReadAllAsync(after, 1000, filter, ct);
            oldest ??= page.Events.Count > 0 ? page.Events[0].Timestamp : null;
            waiting += page.Events.Count;
            if (page.Events.Count < 1000)
            {
                break;
            }

            after = page.LastPosition;
        }

        var lagSeconds = oldest is { } t ? Math.Max(0, (clock.GetUtcNow() - t).TotalSeconds) : 0;
        return (Math.Min(waiting, LagCountLimit), Math.Round(lagSeconds, 3));
    }
}
