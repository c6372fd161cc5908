using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Where a projection writes: statements queued here run in order, in one round trip, in the
/// transaction that also moves the checkpoint. Queuing needs no connection, so the runner
/// prepares a batch while the previous one is being written.
/// </summary>
public sealed class ProjectionWrite(string table) : IAsyncDisposable
{
    private static readonly Dictionary<Type, NpgsqlDbType> ColumnTypes = new()
    {
        [typeof(string)] = NpgsqlDbType.Text,
        [typeof(Guid)] = NpgsqlDbType.Uuid,
        [typeof(long)] = NpgsqlDbType.Bigint,
        [typeof(int)] = NpgsqlDbType.Integer,
        [typeof(bool)] = NpgsqlDbType.Boolean,
        [typeof(decimal)] = NpgsqlDbType.Numeric,
        [typeof(DateTimeOffset)] = NpgsqlDbType.TimestampTz,
    };

    private readonly NpgsqlBatch _batch = new();
    private (string Table, string Columns, List<object?[]> Rows)? _inserts;

    public string Table => table;

    public void Execute(string sql, params object?[] parameters)
    {
        EndInserts();
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        _batch.BatchCommands.Add(command);
    }

    /// <summary>
    /// A plain INSERT of one row. Consecutive rows for the same table and columns go as one
    /// statement over unnest()ed arrays: while catching up that is one statement per batch
    /// instead of one per event. Values are strings, Guids, numbers, booleans or DateTimeOffsets.
    /// </summary>
    /// <param name="columns">Column names as in an INSERT's column list, for example "id, name".</param>
    public void Insert(string into, string columns, params object?[] values)
    {
        if (_inserts is not { } run || run.Table != into || run.Columns != columns)
        {
            EndInserts();
            _inserts = (into, columns, []);
        }

        _inserts.Value.Rows.Add(values);
    }

    public async Task FlushAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        EndInserts();
        if (_batch.BatchCommands.Count > 0)
        {
            _batch.Connection = connection;
            _batch.Transaction = transaction;
            await _batch.ExecuteNonQueryAsync(ct);
            _batch.BatchCommands.Clear();
        }
    }

    public ValueTask DisposeAsync() => _batch.DisposeAsync();

    private void EndInserts()
    {
        if (_inserts is not { } run)
        {
            return;
        }

        _inserts = null;
        if (run.Rows.Count == 1)
        {
            var placeholders = string.Join(", ", Enumerable.Range(1, run.Rows[0].Length).Select(i => $"${i}"));
            Execute($"INSERT INTO {run.Table} ({run.Columns}) VALUES ({placeholders})", run.Rows[0]);
            return;
        }

        var command = new NpgsqlBatchCommand();
        var select = new List<string>();
        var unnested = new List<string>();
        for (var column = 0; column < run.Rows[0].Length; column++)
        {
            var type = run.Rows.Select(r => r[column]).FirstOrDefault(v => v is not null)?.GetType();
            if (type is null)
            {
                // Null in every row: an untyped NULL takes the column's type.
                select.Add("NULL");
                continue;
            }

            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | ColumnTypes[type], Value = ColumnArray(run.Rows, column, type) });
            unnested.Add($"${command.Parameters.Count}");
            select.Add($"u.c{column}");
        }

        var aliases = string.Join(", ", select.Where(s => s.StartsWith("u.", StringComparison.Ordinal)).Select(s => s[2..]));
        command.CommandText = $"INSERT INTO {run.Table} ({run.Columns}) SELECT {string.Join(", ", select)} FROM unnest({string.Join(", ", unnested)}) AS u({aliases})";
        _batch.BatchCommands.Add(command);
    }

    private static Array ColumnArray(List<object?[]> rows, int column, Type type)
    {
        var elementType = type.IsValueType ? typeof(Nullable<>).MakeGenericType(type) : type;
        var array = Array.CreateInstance(elementType, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            array.SetValue(rows[i][column], i);
        }

        return array;
    }
}
