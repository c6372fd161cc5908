using System.Diagnostics;
using System.Reflection;
using EventSourced.Application.EventStore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Applies the embedded SQL scripts that are not applied yet, in name order, each in its own
/// transaction. A session advisory lock makes nodes that start together take turns; a database
/// reached through a pooler that shares sessions is refused first (<see cref="SessionPooling"/>).
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, EventStoreOptions options, ILogger<SchemaMigrator> logger)
{
    private const string ResourceSuffix = ".sql";

    /// <summary>
    /// <see cref="MigrateAsync"/> once the database answers. A node started before its database (a
    /// compose file's order, a failover) waits up to <paramref name="patience"/>, saying so, rather
    /// than exit at once and wait out the restart back-off of whatever watches it. Only a database
    /// that does not answer is waited for: a refused login or a missing database fails at once.
    /// </summary>
    public async Task MigrateOnceReachableAsync(TimeSpan patience, CancellationToken ct = default)
    {
        var waited = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(ct);
                return;
            }
            catch (Exception e) when (StoreUnavailable.Is(e))
            {
                if (waited.Elapsed >= patience)
                {
                    throw new InvalidOperationException(
                        $"The event store's database did not answer within {patience.TotalSeconds:F0} s ({e.Message}). Check ConnectionStrings:EventStore; "
                        + "EventStore:StartupDatabaseWait sets how long a node waits for it.", e);
                }

                var pause = TimeSpan.FromSeconds(Math.Min(attempt, 5));
                LogWaiting(logger, e.Message, pause.TotalSeconds);
                await Task.Delay(pause, ct);
            }
        }
    }

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        // Before the first lock: behind a pooler that shares sessions even this one would not hold.
        await SessionPooling.EnsureOwnSessionsAsync(dataSource, ct);
        var schema = options.Schema;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // What a script asks the operator to do, it says as a warning (RAISE WARNING): in the node's
        // log. Notices ("already exists, skipping") are not for the operator.
        connection.Notice += (_, e) =>
        {
            if (e.Notice.InvariantSeverity == "WARNING")
            {
                LogScriptWarning(logger, e.Notice.MessageText);
            }
        };
        // Time limits an operator set for the role or the database guard the service's queries; a
        // migration may rightly take longer (waiting for another node's, rewriting a large table),
        // and one cut off would keep every node from starting. For this session only: a script
        // still sets its own (SET LOCAL), and the limits come back before the connection is pooled.
        await ExecuteAsync(connection, "SET statement_timeout = 0; SET lock_timeout = 0", ct);
        try
        {
            await TakeTurnAsync(connection, schema, ct);
            try
            {
                await ApplyPendingAsync(connection, schema, ct);
                await KeepPositionsAheadAsync(connection, schema, ct);
            }
            finally
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_unlock(hashtext(@lock))", CancellationToken.None, ("lock", LockName(schema)));
            }
        }
        finally
        {
            await ExecuteAsync(connection, "RESET statement_timeout; RESET lock_timeout", CancellationToken.None);
        }
    }

    private async Task ApplyPendingAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        await ExecuteAsync(connection, $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                id text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, ct);
        var applied = await AppliedAsync(connection, schema, ct);
        foreach (var (id, sql) in Scripts().Where(s => !applied.Contains(s.Id)))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await ExecuteAsync(connection, sql.Replace("{schema}", schema, StringComparison.Ordinal), ct);
            await ExecuteAsync(connection, $"INSERT INTO {schema}.schema_migrations (id) VALUES (@id)", ct, ("id", id));
            await tx.CommitAsync(ct);
            LogApplied(logger, id, schema);
        }
    }

    /// <summary>
    /// Moves the store's transaction id offset on when the stored positions run ahead of this
    /// server's ids (0011_xid_offset.sql): the store was restored from a logical dump into another
    /// server, or copied to one by logical replication. New events then come after every stored
    /// one. Under the migration lock, before the node serves, so no append runs meanwhile.
    /// </summary>
    private async Task KeepPositionsAheadAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            UPDATE {schema}.xid_offset o SET value = s.needed
            FROM (SELECT (max(position) >> {EventStoreSql.OrdinalBits}) + 1 - pg_current_xact_id()::text::bigint AS needed FROM {schema}.events) s
            WHERE s.needed > o.value
            RETURNING o.value
            """, connection);
        if (await command.ExecuteScalarAsync(ct) is long offset)
        {
            LogPositionsMovedOn(logger, schema, offset);
        }
    }

    /// <summary>
    /// Waits, as long as it takes, while another node migrates the schema: a migration may rightly
    /// rewrite a large table. It says which session holds the turn when it finds the turn taken, and
    /// again each time <see cref="EventStoreOptions.MigrationTurnReportInterval"/> passes, so that an
    /// operator whose nodes do not start can find the one migration that does not end.
    /// </summary>
    private async Task TakeTurnAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext(@lock))", connection);
        command.Parameters.AddWithValue("lock", LockName(schema));
        if ((bool)(await command.ExecuteScalarAsync(ct))!)
        {
            return;
        }

        var waiting = Stopwatch.StartNew();
        // The wait is PostgreSQL's, in the lock's queue; its time-out only wakes it to report.
        await ExecuteAsync(connection, $"SET lock_timeout = {Math.Max(1, (long)options.MigrationTurnReportInterval.TotalMilliseconds)}", ct);
        while (true)
        {
            await ReportTurnHolderAsync(connection, schema, waiting.Elapsed, ct);
            try
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_lock(hashtext(@lock))", ct, ("lock", LockName(schema)));
                await ExecuteAsync(connection, "SET lock_timeout = 0", ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
            }
        }
    }

    /// <summary>
    /// Logs the session holding the migration's turn: its server process, node (the application
    /// name, <see cref="EventStoreDataSource"/>) and address, and since when. Never its statement,
    /// which could be anyone's and hold anything.
    /// </summary>
    private async Task ReportTurnHolderAsync(NpgsqlConnection connection, string schema, TimeSpan waited, CancellationToken ct)
    {
        // A one-key advisory lock shows in pg_locks as classid = its high 32 bits, objid = its low
        // 32 bits and objsubid = 1. Of another role's session (an operator's, as the superuser),
        // pg_stat_activity shows this role only the process id and the application name.
        await using var command = new NpgsqlCommand("""
            SELECT a.pid, coalesce(nullif(a.application_name, ''), 'no application name'),
                   CASE WHEN a.backend_start IS NULL THEN 'an address hidden from this role' ELSE coalesce(host(a.client_addr), 'a local socket') END,
                   coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'a time hidden from this role'),
                   coalesce(a.state, 'its state hidden from this role')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(@lock)::bigint
            """, connection) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("lock", LockName(schema));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return;
        }

        var (pid, application, client, since, state) = (reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
        // A turn taken at start is the usual case when nodes start together; one held past the
        // interval is worth an operator's look.
        var level = waited < options.MigrationTurnReportInterval ? LogLevel.Information : LogLevel.Warning;
        var seconds = (long)waited.TotalSeconds;
        LogWaitingForTurn(logger, level, schema, pid, application, client, since, state, seconds);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the event store's database ({Reason}); trying again in {Seconds} s")]
    private static partial void LogWaiting(ILogger logger, string reason, double seconds);

    [LoggerMessage(Message = "Another node is migrating schema {Schema}; waiting for it to finish. Its session: PostgreSQL process {Pid} of {Application} at {Client}, connected since {ConnectedAt}, {State}; waited {Waited} s so far")]
    private static partial void LogWaitingForTurn(ILogger logger, LogLevel level, string schema, int pid, string application, string client, string connectedAt, string state, long waited);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration {Migration} to schema {Schema}")]
    private static partial void LogApplied(ILogger logger, string migration, string schema);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stored positions of schema {Schema} ran ahead of this server's transaction ids, as after a restore from a logical dump into another server: new events now take ids moved on by {Offset}, after every stored one")]
    private static partial void LogPositionsMovedOn(ILogger logger, string schema, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema migration: {Warning}")]
    private static partial void LogScriptWarning(ILogger logger, string warning);

    private static string LockName(string schema) => $"eventsourced.migrations.{schema}";

    private static IEnumerable<(string Id, string Sql)> Scripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(ResourceSuffix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            // Resource names are "<namespace>.<file>.sql"; the file name is the migration id.
            var id = name[..^ResourceSuffix.Length].Split('.')[^1];
            yield return (id, reader.ReadToEnd());
        }
    }

    private static async Task<HashSet<string>> AppliedAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT id FROM {schema}.schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        // No client-side limit either (Npgsql's Command Timeout, 30 s by default), for the same reason.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}
