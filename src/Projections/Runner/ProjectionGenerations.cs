using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>One full build of a projection version into tables of its own (rm.{name}_g{number}).</summary>
public sealed record Generation(int Number, int Version, long Position, bool Active, bool Stopped)
{
    public string Table(IProjection projection) => $"rm.{projection.Name}_g{Number}";

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
        var generations = await LoadAsync(connection, projection.Name, ct);
        var active = generations.FirstOrDefault(g => g.Active);
        var serving = active?.Version == projection.Version ? active : null;
        var building = Building(generations, projection);
        if (serving is not null || building is not null)
        {
            return (serving, building);
        }

        var created = await CreateAsync(connection, projection, ct);
        if (active is null)
        {
            // The very first build serves at once (partial answers beat none); later ones wait until caught up.
            await ActivateAsync(connection, projection, created, ct);
            return (created with { Active = true }, null);
        }

        return (null, created);
    }

    /// <summary>Starts a rebuild: a new generation of the current version, built from the first event beside the serving one.</summary>
    /// <remarks>A rebuild already under way is the one asked for (<see cref="CreateAsync"/> shares it).</remarks>
    public static Task<Generation> RequestRebuildAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct) =>
        CreateAsync(connection, projection, ct);

    /// <summary>Lets a projection stopped by a poison event go on (the event stays parked in the dead letters).</summary>
    public static async Task ResetAsync(NpgsqlConnection connection, string projection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("UPDATE proj.checkpoints SET stopped = false WHERE projection = $1", connection);
        command.Parameters.AddWithValue(projection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What a runner watches: any change means it must look at its generations again.</summary>
    public static async Task<string> FingerprintAsync(NpgsqlConnection connection, string projection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(string_agg(generation || ':' || version || ':' || active || ':' || stopped, ',' ORDER BY generation), '') FROM proj.checkpoints WHERE projection = $1", connection);
        command.Parameters.AddWithValue(projection);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Drops the tables of generations replaced by the serving one; run once no loop writes them.</summary>
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
            foreach (var table in old.Tables(projection))
            {
                await ExecuteAsync(connection, tx, $"DROP TABLE IF EXISTS {table}", ct);
            }

            await ExecuteAsync(connection, tx, "DELETE FROM proj.checkpoints WHERE projection = $1 AND generation = $2", ct, projection.Name, old.Number);
            await ExecuteAsync(connection, tx, "DELETE FROM proj.dead_letters WHERE projection = $1 AND generation = $2", ct, projection.Name, old.Number);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>
    /// A new generation to build; or the one another process (a node starting, an operator's
    /// rebuild) created since the caller looked, which this one then shares.
    /// The choice is made under a lock per projection: two made at once would take one number.
    /// </summary>
    private static async Task<Generation> CreateAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('eventsourced.projections.generations:' || $1))", ct, projection.Name);
        var now = await LoadAsync(connection, projection.Name, ct);
        if (Building(now, projection) is { } made)
        {
            return made;
        }

        var number = now.Count == 0 ? 1 : now.Max(g => g.Number) + 1;
        var created = new Generation(number, projection.Version, 0, Active: false, Stopped: false);
        await ExecuteAsync(connection, tx, projection.CreateTableSql(created.Table(projection)), ct);
        await ExecuteAsync(connection, tx, "INSERT INTO proj.checkpoints (projection, generation, version) VALUES ($1, $2, $3)", ct, projection.Name, number, projection.Version);
        await tx.CommitAsync(ct);
        return created;
    }

    /// <summary>Points the view at this generation, atomically; the replaced ones are dropped later (<see cref="DropRetiredAsync"/>).</summary>
    public static async Task ActivateAsync(NpgsqlConnection connection, IProjection projection, Generation generation, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!generation.Active && projection.ServingIndexesSql(generation.Table(projection)) is { Length: > 0 } indexes)
        {
            await ExecuteAsync(connection, tx, indexes, ct);
        }

        foreach (var suffix in projection.MoreTables.Prepend(""))
        {
            await ExecuteAsync(connection, tx, $"DROP VIEW IF EXISTS rm.{projection.Name}{suffix}; CREATE VIEW rm.{projection.Name}{suffix} AS SELECT * FROM {generation.Table(projection)}{suffix}", ct);
        }

        await ExecuteAsync(connection, tx, "UPDATE proj.checkpoints SET active = (generation = $2) WHERE projection = $1", ct, projection.Name, generation.Number);
        await tx.CommitAsync(ct);
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

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}
