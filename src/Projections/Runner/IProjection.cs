using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// A read model: its tables and how each event changes them. <see cref="Apply"/> queues the
/// statements for an event; the runner sends a whole batch of them, with the checkpoint, in one
/// round trip and one transaction, so every event is applied exactly once. Tables are named per generation (a full build), and queries
/// read them through a view that the runner points at the active generation.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key and the view's name (rm.{Name}).</summary>
    string Name { get; }

    /// <summary>Bumped when the table shape or the handlers change; a new version is built from the start.</summary>
    int Version { get; }

    EventFilter Filter { get; }

    /// <summary>
    /// DDL that creates the tables of one generation; <paramref name="table"/> is the qualified
    /// name of the main table, and each of <see cref="MoreTables"/> is that name plus its suffix.
    /// </summary>
    string CreateTableSql(string table);

    /// <summary>Suffixes of further tables, each served through its own view rm.{name}{suffix}.</summary>
    IReadOnlyList<string> MoreTables => [];

    void Apply(ProjectionWrite write, RecordedEvent recorded, object @event);
}

/// <summary>
/// Where a projection writes: statements queued here run in order, in one round trip, in the
/// transaction that also moves the checkpoint.
/// </summary>
public sealed class ProjectionWrite(NpgsqlConnection connection, NpgsqlTransaction transaction, string table) : IAsyncDisposable
{
    private readonly NpgsqlBatch _batch = new(connection, transaction);

    public string Table => table;

    public void Execute(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        _batch.BatchCommands.Add(command);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_batch.BatchCommands.Count > 0)
        {
            await _batch.ExecuteNonQueryAsync(ct);
            _batch.BatchCommands.Clear();
        }
    }

    public ValueTask DisposeAsync() => _batch.DisposeAsync();
}
