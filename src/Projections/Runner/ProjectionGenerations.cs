using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>One full build of a projection version into tables of its own (rm.{name}_g{number}).</summary>
public sealed record Generation(int Number, int Version, long Position, bool Active, bool Stopped)
{
    public string Table(IProjection projection) => $"rm.{projection.Name}_g{Number}";
}

/// <summary>
/// Which generation of a projection serves queries (through the view rm.{name}) and which is being
/// built. A new version is built beside the active one, and swapped in atomically once caught up.
/// </summary>
public static class ProjectionGenerations
{
    public static async Task<Generation> PrepareAsync(NpgsqlConnection connection, IProjection projection, CancellationToken ct)
    {
        var generations = await LoadAsync(connection, projection.Name, ct);
        var current = generations.FirstOrDefault(g => g.Active && g.Version == projection.Version)
            ?? generations.Where(g => !g.Active && g.Version == projection.Version).MaxBy(g => g.Number);
        if (current is not null)
        {
            return current;
        }

        var number = generations.Count == 0 ? 1 : generations.Max(g => g.Number) + 1;
        var created = new Generation(number, projection.Version, 0, Active: false, Stopped: false);
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            await ExecuteAsync(connection, tx, projection.CreateTableSql(created.Table(projection)), ct);
            await ExecuteAsync(connection, tx, "INSERT INTO proj.checkpoints (projection, generation, version) VALUES ($1, $2, $3)", ct, projection.Name, number, projection.Version);
            await tx.CommitAsync(ct);
        }

        // The very first build serves at once (partial answers beat none); later ones wait until caught up.
        if (!generations.Any(g => g.Active))
        {
            await ActivateAsync(connection, projection, created, ct);
            return created with { Active = true };
        }

        return created;
    }

    /// <summary>Points the view at this generation and drops the others, in one transaction.</summary>
    public static async Task ActivateAsync(NpgsqlConnection connection, IProjection projection, Generation generation, CancellationToken ct)
    {
        var others = (await LoadAsync(connection, projection.Name, ct)).Where(g => g.Number != generation.Number).ToList();
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, $"DROP VIEW IF EXISTS rm.{projection.Name}; CREATE VIEW rm.{projection.Name} AS SELECT * FROM {generation.Table(projection)}", ct);
        await ExecuteAsync(connection, tx, "UPDATE proj.checkpoints SET active = (generation = $2) WHERE projection = $1", ct, projection.Name, generation.Number);
        foreach (var old in others)
        {
            await ExecuteAsync(connection, tx, $"DROP TABLE IF EXISTS {old.Table(projection)}", ct);
            await ExecuteAsync(connection, tx, "DELETE FROM proj.checkpoints WHERE projection = $1 AND generation = $2", ct, projection.Name, old.Number);
        }

        await tx.CommitAsync(ct);
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
