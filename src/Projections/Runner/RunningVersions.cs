using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Which versions of a projection the running nodes have, for rolling upgrades and rollbacks.
/// Each runner holds a shared advisory lock keyed by the projection and its version for as long as
/// its connection lives; a node of an older version that sees a newer one leaves the projection to
/// it. Otherwise the two would take turns building their own version and swapping it in.
/// </summary>
internal static class RunningVersions
{
    private const string KeyPrefix = "eventsourced.projection.";
    private const string KeySuffix = ".running";

    /// <summary>Says, for as long as <paramref name="connection"/> lives, that a node of this version runs.</summary>
    public static async Task AnnounceAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        // Shared: every node of the version holds it at once, and no one ever takes it exclusively.
        await using var command = new NpgsqlCommand("SELECT pg_advisory_lock_shared(hashtext($1), $2)", connection);
        command.Parameters.AddWithValue(KeyPrefix + projection.Name + KeySuffix);
        command.Parameters.AddWithValue(projection.Version);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether a node of a newer version of the projection runs, on this database.</summary>
    public static async Task<bool> NewerRunsAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"WITH {Cte} SELECT coalesce({NewestSql("$1")} > $2, false)", connection);
        command.Parameters.AddWithValue(projection.Name);
        command.Parameters.AddWithValue(projection.Version);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    // A two-key advisory lock shows in pg_locks as classid = the first key, objid = the second,
    // objsubid = 2. pg_locks is readable by every role, and lists every database's locks.

    /// <summary>
    /// A common table expression, <c>running</c>, of every runner's lock on this database: a statement
    /// that names it after WITH reads pg_locks once, however many projections it looks at (each
    /// read of pg_locks takes every lock partition of the server for a moment).
    /// </summary>
    public const string Cte = """
        running AS MATERIALIZED (
            SELECT classid, objid::text::int AS version FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 2 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        """;

    /// <summary>
    /// SQL for the newest version a running node has of the projection that <paramref name="nameSql"/>
    /// (a column or a parameter) names; null when no node runs it. Needs <see cref="Cte"/>.
    /// </summary>
    public static string NewestSql(string nameSql) => $"(SELECT max(version) FROM running WHERE classid = {KeyOf(nameSql)})";

    /// <summary>SQL for how many nodes run the version <paramref name="versionSql"/> of the projection <paramref name="nameSql"/> names. Needs <see cref="Cte"/>.</summary>
    public static string NodesSql(string nameSql, string versionSql) => $"(SELECT count(*) FROM running WHERE classid = {KeyOf(nameSql)} AND version = {versionSql})";

    private static string KeyOf(string nameSql) => $"hashtext('{KeyPrefix}' || {nameSql} || '{KeySuffix}')::oid";
}
