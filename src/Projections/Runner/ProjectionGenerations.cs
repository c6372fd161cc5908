using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>One full build of a projection version into tables of its own (rm.{name}_g{number}).</summary>
public sealed record Generation(int Number, int Version, long Position, bool Active, bool Stopped)
{
    public string Table(IProjection projection) => $"rm.{projection.Name}_g{Number}";

    /// <summary>
    /// A name for an index of <paramref name="table"/> (a generation's table, schema-qualified), the
    /// same on every start and unique to that table: index names are per schema, not per table.
    /// </summary>
    public static string IndexName(string table, string suffix) => $"{table[(table.IndexOf('.') + 1)..]}_{suffix}";

    /// <summary>The main table and the projection's <see cref="IProjection.MoreTables"/>.</summary>
    public IReadOnlyList<string> Tables(IProjection projection) => [.. projection.MoreTables.Prepend("").Select(suffix => Table(projection) + suffix)];
}

/// <summary>
/// Which generation of a projection serves queries (through the view rm.{name}) and which is being
/// built. A new version is built beside the active one, and swapped in atomically once caught up.
/// </summary>
public static class ProjectionGenerations
{
    /// <summary>
    /// The generation that serves queries and keeps up with live events (null while a new version
    /// is being built, since old tables cannot take the new handlers), and the one being built
    /// beside it, if any. A new version, or a first start, creates a generation.
    /// </summary>
    public static async Task<(Generation? Serving, Generation? Building)> PrepareAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        if (Existing(await LoadAsync(connection, projection.Name, ct), projection) is { } existing)
        {
            return existing;
        }

        // Looked again under the lock: another node starting at the same time may have made the
        // first generation since, and even made it serve; that one is this node's too.
        await using var tx = await LockAsync(connection, projection, ct);
        var now = await LoadAsync(connection, projection.Name, ct);
        if (Existing(now, projection) is { } madeMeanwhile)
        {
            return madeMeanwhile;
        }

        var created = await InsertAsync(connection, projection, now, ct);
        if (now.FirstOrDefault(g => g.Active) is { } active)
        {
            await ExpandAsync(connection, projection, active, ct);
            await tx.CommitAsync(ct);
            return (null, created);
        }

        // The very first build serves at once (partial answers beat none); later ones wait until
        // caught up. Made and serving in one transaction: no node ever sees it in between.
        await PointViewsAsync(connection, projection, created, ct);
        await tx.CommitAsync(ct);
        return (created with { Active = true }, null);
    }

    /// <summary>
    /// Adds the columns and indexes added to the version since <paramref name="serving"/> was built
    /// (<see cref="IProjection.AddedSinceBuiltSql"/>), and makes its views again to show the
    /// columns. Run by the node that writes the generation, before it does: an index build blocks
    /// writes to the table, not reads. Nothing when the generation has been given that SQL already
    /// (recorded with its checkpoint): even a no-op <c>IF NOT EXISTS</c> locks the table, and a
    /// long query on it would hold the runner back at every change of leader.
    /// </summary>
    public static async Task AddSinceBuiltAsync(NpgsqlConnection connection, IProjection projection, Generation serving, CancellationToken ct)
    {
        var added = projection.AddedSinceBuiltSql(serving.Table(projection));
        await using var given = new NpgsqlCommand("SELECT added_since_built FROM proj.checkpoints WHERE projection = $1 AND generation = $2", connection);
        given.Parameters.AddWithValue(projection.Name);
        given.Parameters.AddWithValue(serving.Number);
        if (added.Length == 0 || await given.ExecuteScalarAsync(ct) is string done && done == added)
        {
            return;
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        await LimitWaitsOfDdlAsync(connection, ct);
        await ExecuteDdlAsync(connection, added, ct);
        if (await ViewsLackColumnsAsync(connection, projection, serving, ct))
        {
            await CreateViewsAsync(connection, projection, serving, ct);
        }

        await RecordAddedAsync(connection, projection, serving, added, ct);
        await tx.CommitAsync(ct);
    }

    private static Task RecordAddedAsync(NpgsqlConnection connection, IProjection projection, Generation generation, string added, CancellationToken ct) =>
        ExecuteAsync(connection, "UPDATE proj.checkpoints SET added_since_built = $3 WHERE projection = $1 AND generation = $2", ct, projection.Name, generation.Number, added);

    /// <summary>Starts a rebuild: a new generation of the current version, built from the first event beside the serving one.</summary>
    /// <remarks>A rebuild already under way (another operator's, or a new version's) is the one asked for.</remarks>
    public static async Task<Generation> RequestRebuildAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        await using var tx = await LockAsync(connection, projection, ct);
        var now = await LoadAsync(connection, projection.Name, ct);
        if (Building(now, projection) is { } asked)
        {
            return asked;
        }

        var created = await InsertAsync(connection, projection, now, ct);
        await tx.CommitAsync(ct);
        return created;
    }

    /// <summary>Lets a projection stopped by a poison event go on (the event stays parked in the dead letters).</summary>
    public static async Task ResetAsync(NpgsqlConnection connection, string projection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("UPDATE proj.checkpoints SET stopped = false WHERE projection = $1", connection);
        command.Parameters.AddWithValue(projection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What a runner watches: any change means it must look at its generations again.</summary>
    public static async Task<string> FingerprintAsync(NpgsqlConnection connection, string projection, CancellationToken ct) =>
        Fingerprint(await LoadAsync(connection, projection, ct));

    /// <summary>The generation that serves queries (null before the first one is made), and the fingerprint read with it.</summary>
    public static async Task<(Generation? Serving, string Fingerprint)> ServingAsync(NpgsqlConnection connection, string projection, CancellationToken ct)
    {
        var generations = await LoadAsync(connection, projection, ct);
        return (generations.FirstOrDefault(g => g.Active), Fingerprint(generations));
    }

    private static string Fingerprint(List<Generation> generations) =>
        string.Join(',', generations.OrderBy(g => g.Number).Select(g => $"{g.Number}:{g.Version}:{g.Active}:{g.Stopped}"));

    /// <summary>The name of a runner's advisory lock for a role in the projection (leader, build, a generation's writer).</summary>
    public static string RoleLockName(string projection, string role) => $"eventsourced.projection.{projection}.{role}";

    /// <summary>
    /// The role of whoever writes a serving generation: its leader, or a node of its version that
    /// keeps it live while a newer version is built. Two of them never write it at once.
    /// </summary>
    public static string WriterRole(int generation) => $"g{generation}.writer";

    /// <summary>
    /// Drops the tables of generations replaced by the serving one, each once no loop writes it: a
    /// node keeping a replaced one live until the swap ends its round first (ADR 0012).
    /// </summary>
    public static async Task DropRetiredAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        var generations = await LoadAsync(connection, projection.Name, ct);
        if (generations.FirstOrDefault(g => g.Active) is not { } active)
        {
            return;
        }

        foreach (var old in generations.Where(g => g.Number < active.Number))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext($1))", ct, RoleLockName(projection.Name, WriterRole(old.Number)));
            foreach (var table in old.Tables(projection))
            {
                await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {table}", ct);
            }

            await ExecuteAsync(connection, "DELETE FROM proj.checkpoints WHERE projection = $1 AND generation = $2", ct, projection.Name, old.Number);
            await ExecuteAsync(connection, "DELETE FROM proj.dead_letters WHERE projection = $1 AND generation = $2", ct, projection.Name, old.Number);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>
    /// A transaction holding the projection's lock on its generations, until it ends: two made at
    /// once would take one number, or a node and an operator would each start a build.
    /// </summary>
    private static async Task<NpgsqlTransaction> LockAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext($1))", ct, LockName(projection.Name));
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    /// <summary>The name of the projection's advisory lock on its generations.</summary>
    public static string LockName(string projection) => $"eventsourced.projections.generations:{projection}";

    /// <summary>A new generation of the projection's version, numbered after <paramref name="now"/>; in the caller's locked transaction.</summary>
    private static async Task<Generation> InsertAsync(NpgsqlConnection connection, IProjection projection, List<Generation> now, CancellationToken ct)
    {
        var number = now.Count == 0 ? 1 : now.Max(g => g.Number) + 1;
        var created = new Generation(number, projection.Version, 0, Active: false, Stopped: false);
        await ExecuteAsync(connection, projection.CreateTableSql(created.Table(projection)), ct);
        await ExecuteAsync(connection, "INSERT INTO proj.checkpoints (projection, generation, version) VALUES ($1, $2, $3)", ct, projection.Name, number, projection.Version);
        return created;
    }

    /// <summary>
    /// Until the new version's generation serves, its queries read the older one: that gets the
    /// columns the new version added, and its views are made again (a view keeps the columns its
    /// table had when the view was made).
    /// </summary>
    private static async Task ExpandAsync(NpgsqlConnection connection, IProjection projection, Generation active, CancellationToken ct)
    {
        if (active.Version < projection.Version && projection.ExpandOlderSql(active.Table(projection)) is { Length: > 0 } expand)
        {
            await LimitWaitsOfDdlAsync(connection, ct);
            await ExecuteDdlAsync(connection, expand, ct);
            await CreateViewsAsync(connection, projection, active, ct);
        }
    }

    /// <summary>Points the view at this generation, atomically; the replaced ones are dropped later (<see cref="DropRetiredAsync"/>).</summary>
    public static async Task ActivateAsync(NpgsqlConnection connection, IProjection projection, Generation generation, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await PointViewsAsync(connection, projection, generation, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>What <see cref="ActivateAsync"/> does, in the caller's transaction.</summary>
    private static async Task PointViewsAsync(NpgsqlConnection connection, IProjection projection, Generation generation, CancellationToken ct)
    {
        await LimitWaitsOfDdlAsync(connection, ct);
        if (!generation.Active)
        {
            var added = projection.AddedSinceBuiltSql(generation.Table(projection));
            await ExecuteDdlAsync(connection, projection.ServingIndexesSql(generation.Table(projection)), ct);
            await ExecuteDdlAsync(connection, added, ct);
            await RecordAddedAsync(connection, projection, generation, added, ct);
        }

        await CreateViewsAsync(connection, projection, generation, ct);
        await ExecuteAsync(connection, "UPDATE proj.checkpoints SET active = (generation = $2) WHERE projection = $1", ct, projection.Name, generation.Number);
    }

    /// <summary>Whether a table of the generation has more columns than its view shows: a view is made again only then, as that locks out its queries for a moment.</summary>
    private static async Task<bool> ViewsLackColumnsAsync(NpgsqlConnection connection, IProjection projection, Generation generation, CancellationToken ct)
    {
        foreach (var suffix in projection.MoreTables.Prepend(""))
        {
            await using var command = new NpgsqlCommand(
                "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped) > (SELECT count(*) FROM pg_attribute WHERE attrelid = $2::regclass AND attnum > 0)",
                connection);
            command.Parameters.AddWithValue(generation.Table(projection) + suffix);
            command.Parameters.AddWithValue($"rm.{projection.Name}{suffix}");
            if ((bool)(await command.ExecuteScalarAsync(ct))!)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How long DDL on what queries read (a serving table, a view) waits for its lock.</summary>
    public static readonly TimeSpan LockWaitLimit = TimeSpan.FromSeconds(1);

    /// <summary>Whether the error is DDL that gave up waiting for queries to let go of a table or view (<see cref="LockWaitLimit"/>).</summary>
    public static bool IsLockWaitOver(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable };

    /// <summary>
    /// For the rest of the caller's transaction, a lock waited for longer than <see cref="LockWaitLimit"/>
    /// fails it. DDL waits behind queries already reading the table or view, and every query after
    /// it waits behind the DDL: one long report would stop all reads of the read model for as long
    /// as it ran. Failing instead, the runner tries again a moment later. Once DDL holds its locks
    /// it takes as long as it needs: an index over a large read model may outlast a
    /// statement_timeout set for the role, which is meant for queries, and would fail at every try.
    /// </summary>
    private static Task LimitWaitsOfDdlAsync(NpgsqlConnection connection, CancellationToken ct) =>
        ExecuteAsync(connection, $"SET LOCAL lock_timeout = '{(int)LockWaitLimit.TotalMilliseconds}ms'; SET LOCAL statement_timeout = 0", ct);

    /// <summary>The projection's views over this generation's tables, with the columns they have now.</summary>
    private static async Task CreateViewsAsync(NpgsqlConnection connection, IProjection projection, Generation generation, CancellationToken ct)
    {
        foreach (var suffix in projection.MoreTables.Prepend(""))
        {
            await ExecuteAsync(connection, $"DROP VIEW IF EXISTS rm.{projection.Name}{suffix}; CREATE VIEW rm.{projection.Name}{suffix} AS SELECT * FROM {generation.Table(projection)}{suffix}", ct);
        }
    }

    /// <summary>
    /// What a node starting finds ready: a serving generation of its version, or one being built;
    /// null when neither exists and it must make one.
    /// </summary>
    private static (Generation? Serving, Generation? Building)? Existing(List<Generation> generations, IProjection projection)
    {
        var active = generations.FirstOrDefault(g => g.Active);
        var serving = active?.Version == projection.Version ? active : null;
        var building = Building(generations, projection);
        return serving is not null || building is not null ? (serving, building) : null;
    }

    /// <summary>The newest generation of the projection's version above the serving one, not serving yet.</summary>
    private static Generation? Building(List<Generation> generations, IProjection projection)
    {
        var active = generations.FirstOrDefault(g => g.Active);
        return generations.Where(g => !g.Active && g.Version == projection.Version && g.Number > (active?.Number ?? 0)).MaxBy(g => g.Number);
    }

    private static async Task<List<Generation>> LoadAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT generation, version, position, active, stopped FROM proj.checkpoints WHERE projection = $1", connection);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var generations = new List<Generation>();
        while (await reader.ReadAsync(ct))
        {
            generations.Add(new Generation(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetBoolean(4)));
        }

        return generations;
    }

    // Runs in the connection's transaction, if one is open: Npgsql enlists every command in it.
    /// <summary>
    /// A projection's DDL, which it may leave empty (it has nothing of that kind): run when there is
    /// some, with no client-side time-out (Npgsql's Command Timeout, 30 s by default), for the
    /// reason <see cref="LimitWaitsOfDdlAsync"/> gives. A node that stops still cancels it.
    /// </summary>
    private static async Task ExecuteDdlAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        if (sql.Length > 0)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}
