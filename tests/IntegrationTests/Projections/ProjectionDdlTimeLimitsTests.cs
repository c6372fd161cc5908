using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// An index built over a large read model takes as long as it takes: neither a statement_timeout
/// the operator set nor Npgsql's command time-out cuts it off, where it would fail at every try
/// and a rebuild would never take over (ADR 0012, amended 2026-12-06).
/// </summary>
public sealed class ProjectionDdlTimeLimitsTests
{
    // Ten rows, each keyed by a function that takes 0.2 s: an index build of 2 s, as on a large table.
    private const int Rows = 10;

    [Fact]
    public async Task Indexes_that_outlast_the_operators_limits_are_built_at_a_swap_and_when_added_to_the_serving_generation()
    {
        await using var database = await TestDatabase.CreateAsync();
        // The node's own data source, with a command time-out of 1 s in its connection string.
        await using var dataSource = EventStoreDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { CommandTimeout = 1 }.ConnectionString);
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE FUNCTION slow_key(bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.2); RETURN $1; END'");
        var projection = new SlowlyIndexed($"slow_{Guid.NewGuid():N}"[..20]);
        await ProjectionGenerations.PrepareAsync(connection, projection, CancellationToken.None);
        var rebuilt = await ProjectionGenerations.RequestRebuildAsync(connection, projection, CancellationToken.None);
        await connection.ExecuteAsync($"INSERT INTO {rebuilt.Table(projection)} (position) SELECT generate_series(1, {Rows})");
        // The operator's limit on statements, as this node's session has it.
        await connection.ExecuteAsync("SET statement_timeout = '500ms'");

        await ProjectionGenerations.ActivateAsync(connection, projection, rebuilt, CancellationToken.None);
        projection.Added = true;
        await ProjectionGenerations.AddSinceBuiltAsync(connection, projection, rebuilt with { Active = true }, CancellationToken.None);

        (await connection.ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE tablename = '{projection.Name}_g{rebuilt.Number}'")).Should().Be(2L, "the serving index and the added one");
        (await connection.ScalarAsync($"SELECT count(*) FROM rm.{projection.Name}")).Should().Be((long)Rows, "the rebuilt generation serves");
        (await connection.ScalarAsync("SHOW statement_timeout")).Should().Be("500ms", "the limits are lifted for the DDL's transaction only");
    }

    /// <summary>A read model whose indexes (one serving, one added once <see cref="Added"/>) are slow to build.</summary>
    private sealed class SlowlyIndexed(string name) : IProjection
    {
        public bool Added { get; set; }

        public string Name => name;

        public int Version => 1;

        public EventFilter Filter { get; } = EventFilter.ForCategory("slow");

        public string CreateTableSql(string table) => $"CREATE TABLE {table} (position bigint NOT NULL)";

        public string ServingIndexesSql(string table) => $"CREATE INDEX ON {table} (slow_key(position))";

        public string AddedSinceBuiltSql(string table) =>
            Added ? $"CREATE INDEX IF NOT EXISTS {Generation.IndexName(table, "added_idx")} ON {table} (slow_key(position + 1))" : "";

        public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event) => throw new NotSupportedException("Nothing is projected here.");
    }
}
