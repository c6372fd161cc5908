using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// The runner's and the reactors' own tables, created idempotently under an advisory lock, and
/// only when the schema is not at <see cref="Version"/> yet: reactors ask at every restart, and
/// each ALTER TABLE, even a no-op IF NOT EXISTS, takes a lock that every projection's commit then
/// queues behind, for as long as any transaction that touched the table stays open.
/// </summary>
public static class ProjectionSchema
{
    // One up with every change to Sql below.
    private const int Version = 1;

    private static readonly string Marker = $"eventsourced projections, schema {Version}";

    private const string Sql = """
        CREATE SCHEMA IF NOT EXISTS proj;
        CREATE SCHEMA IF NOT EXISTS rm;
        CREATE TABLE IF NOT EXISTS proj.checkpoints (
            projection  text        NOT NULL,
            generation  integer     NOT NULL,
            version     integer     NOT NULL,
            position    bigint      NOT NULL DEFAULT 0,
            active      boolean     NOT NULL DEFAULT false,
            stopped     boolean     NOT NULL DEFAULT false,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (projection, generation));
        CREATE TABLE IF NOT EXISTS proj.dead_letters (
            id          bigserial   PRIMARY KEY,
            projection  text        NOT NULL,
            generation  integer     NOT NULL,
            position    bigint      NOT NULL,
            event_id    uuid        NOT NULL,
            event_type  text        NOT NULL,
            error       text        NOT NULL,
            failed_at   timestamptz NOT NULL DEFAULT now());
        -- Events applied by a generation, for progress bars (positions are sparse, docs/adr/0007).
        ALTER TABLE proj.checkpoints ADD COLUMN IF NOT EXISTS processed bigint NOT NULL DEFAULT 0;
        -- The IProjection.AddedSinceBuiltSql the generation has been given: run again only when it changes.
        ALTER TABLE proj.checkpoints ADD COLUMN IF NOT EXISTS added_since_built text;
        -- Where reactors (which append events rather than write read models) are in $all.
        CREATE TABLE IF NOT EXISTS proj.reactor_checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
        -- The event a reactor keeps failing on, since when, how often and why (cleared once it goes through).
        ALTER TABLE proj.reactor_checkpoints
            ADD COLUMN IF NOT EXISTS failing_position bigint,
            ADD COLUMN IF NOT EXISTS failure          text,
            ADD COLUMN IF NOT EXISTS failing_since    timestamptz,
            ADD COLUMN IF NOT EXISTS attempts         integer NOT NULL DEFAULT 0;
        -- removed-contacts became changed-contacts (ADR 0040), which reads the history again.
        DELETE FROM proj.reactor_checkpoints WHERE name = 'removed-contacts';
        """;

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (await IsCurrentAsync(connection, ct))
        {
            return;
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock(hashtext('eventsourced.projections.schema')); {Sql} COMMENT ON SCHEMA proj IS '{Marker}';", connection, tx))
        {
            await command.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Whether the schema is at this version: a read of the catalog, which locks no table.</summary>
    private static async Task<bool> IsCurrentAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'proj'", connection);
        return await command.ExecuteScalarAsync(ct) is string marker && marker == Marker;
    }
}
