using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// A read model: its tables and how each event changes them. The runner calls
/// <see cref="ApplyAsync"/> inside the transaction that also moves the checkpoint, so every
/// event is applied exactly once. Tables are named per generation (a full build), and queries
/// read them through a view that the runner points at the active generation.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key and the view's name (rm.{Name}).</summary>
    string Name { get; }

    /// <summary>Bumped when the table shape or the handlers change; a new version is built from the start.</summary>
    int Version { get; }

    EventFilter Filter { get; }

    /// <summary>DDL that creates the tables of one generation; <paramref name="table"/> is the qualified table name.</summary>
    string CreateTableSql(string table);

    Task ApplyAsync(ProjectionWrite write, RecordedEvent recorded, object @event, CancellationToken ct);
}

/// <summary>Where a projection writes: the connection and transaction the checkpoint commits with, and its table.</summary>
public sealed record ProjectionWrite(NpgsqlConnection Connection, NpgsqlTransaction Transaction, string Table)
{
    public async Task ExecuteAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}
