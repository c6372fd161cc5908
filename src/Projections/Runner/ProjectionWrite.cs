using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Where a projection writes: statements queued here run in order, in the transaction that also
/// moves the checkpoint. Queuing needs no connection, so the runner prepares a batch while the
/// previous one is being written. Statements go in as few round trips as order allows: plain
/// inserts are gathered per table until another statement comes (inserts into different tables
/// commute, as read models have no foreign keys or triggers); each table's rows then become a
/// binary COPY when there are many (catching up), or one unnest() statement in the batch (live).
/// Statements over a set of rows (<see cref="Row"/>, an upsert for example) are gathered the same
/// way and run once for all their rows. Gathering never writes one row's changes out of their
/// order: a row's key in another gathered statement, or an insert after gathered rows, first
/// ends the gathering.
/// </summary>
public sealed class ProjectionWrite(string table) : IAsyncDisposable
{
    /// <summary>From how many rows a run of inserts is worth a COPY of its own (one more round trip).</summary>
    private const int CopyFrom = 64;

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

    // The column types a Row statement may declare, with the values they take.
    private static readonly Dictionary<string, Type> SqlTypes = new()
    {
        ["text"] = typeof(string),
        ["uuid"] = typeof(Guid),
        ["bigint"] = typeof(long),
        ["integer"] = typeof(int),
        ["boolean"] = typeof(bool),
        ["numeric"] = typeof(decimal),
        ["timestamptz"] = typeof(DateTimeOffset),
    };

    // Per statement with a null parameter, the types PostgreSQL gives its parameters. A null is sent
    // with its parameter's type: Npgsql runs a prepared statement unprepared (planned anew) whenever
    // its parameters' types differ from those it was prepared with, and an untyped null differs
    // from a text (measured: the tickets' insert, with six nullable columns, ran unprepared at one
    // execution in four in the Kafka benchmark).
    private static readonly ConcurrentDictionary<string, string[]> ParameterTypes = new(StringComparer.Ordinal);

    // In order: batches of statements and long insert runs, each written as it comes.
    private readonly List<object> _steps = [];
    private readonly Dictionary<(string Table, string Columns), InsertRun> _inserts = [];
    private readonly Dictionary<string, RowRun> _rowRuns = [];

    // The gathered statement each gathered row's key is in.
    private readonly Dictionary<object, RowRun> _rowKeys = [];

    public string Table => table;

    public void Execute(string sql, params object?[] parameters)
    {
        EndGathered();
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in InUtc(parameters))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        CurrentBatch().BatchCommands.Add(command);
    }

    /// <summary>
    /// A plain INSERT of one row; consecutive rows for the same table and columns are written
    /// together. Values are strings, Guids, numbers, booleans or DateTimeOffsets.
    /// </summary>
    /// <param name="columns">Column names as in an INSERT's column list, for example "id, name".</param>
    public void Insert(string into, string columns, params object?[] values)
    {
        // Gathered inserts are written before gathered rows: an insert after them waits for them.
        if (_rowRuns.Count > 0)
        {
            EndGathered();
        }

        if (!_inserts.TryGetValue((into, columns), out var run))
        {
            run = new InsertRun(into, columns, []);
            _inserts.Add((into, columns), run);
        }

        run.Rows.Add(InUtc(values));
    }

    /// <summary>
    /// One row for a statement that reads its rows from a set named <c>rows</c>, for example
    /// <c>INSERT INTO t (id, name) SELECT id, name FROM rows ON CONFLICT (id) DO UPDATE SET name = excluded.name</c>.
    /// Consecutive rows for the same statement are written by one execution of it, until another
    /// statement comes through <see cref="Execute"/>; so, like gathered inserts, such a statement
    /// must not read what another gathered one writes, and must touch only the rows of its rows'
    /// keys. Of rows with the same key (the first column), the last one is written: a statement
    /// may touch a row only once. A key already gathered in another statement ends the gathering
    /// first, so that the row's changes are written in the order they came.
    /// </summary>
    /// <param name="columns">The rows' columns with their types, the key first: "id text, amount bigint".</param>
    public void Row(string sql, string columns, params object?[] values)
    {
        var key = values[0] ?? throw new ArgumentException("A row's key (its first column) must not be null.", nameof(values));
        if (_rowKeys.TryGetValue(key, out var gathered) && gathered.Sql != sql)
        {
            EndGathered();
        }

        if (!_rowRuns.TryGetValue(sql, out var run))
        {
            run = new RowRun(sql, columns);
            _rowRuns.Add(sql, run);
        }

        _rowKeys[key] = run;
        run.Add(key, InUtc(values));
    }

    public async Task FlushAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        EndGathered();
        foreach (var step in _steps)
        {
            switch (step)
            {
                case NpgsqlBatch batch:
                    batch.Connection = connection;
                    batch.Transaction = transaction;
                    await TypeNullsAsync(batch, connection, transaction, ct);
                    await batch.ExecuteNonQueryAsync(ct);
                    break;
                case InsertRun run:
                    await CopyAsync(connection, run, ct);
                    break;
            }
        }
    }

    /// <summary>Gives each null parameter its type, asking PostgreSQL the first time a statement has one.</summary>
    private static async Task TypeNullsAsync(NpgsqlBatch batch, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        foreach (var command in batch.BatchCommands.OfType<NpgsqlBatchCommand>())
        {
            // Only Execute passes nulls, untyped. (Reading NpgsqlDbType of an untyped parameter
            // would search Npgsql's type mappings: measured at a fifth of the API's CPU.)
            var parameters = command.Parameters;
            if (!parameters.Any(p => p.Value is DBNull))
            {
                continue;
            }

            if (!ParameterTypes.TryGetValue(command.CommandText, out var types))
            {
                types = ParameterTypes[command.CommandText] = await ParameterTypesAsync(command.CommandText, connection, transaction, ct);
            }

            for (var i = 0; i < Math.Min(parameters.Count, types.Length); i++)
            {
                if (parameters[i].Value is DBNull)
                {
                    parameters[i].DataTypeName = types[i];
                }
            }
        }
    }

    /// <summary>The types PostgreSQL infers for a statement's parameters, from preparing it once.</summary>
    private static async Task<string[]> ParameterTypesAsync(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        // A name of its own: a prepared statement outlives a rolled-back transaction, and pooled
        // connections are not reset, so one left behind by a failure must not block the next.
        var name = $"projection_write_types_{Guid.NewGuid():N}";
        await using (var prepare = new NpgsqlCommand($"PREPARE {name} AS {sql}", connection, transaction))
        {
            await prepare.ExecuteNonQueryAsync(ct);
        }

        await using var types = new NpgsqlCommand($"SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = '{name}'; DEALLOCATE {name}", connection, transaction);
        return (string[])(await types.ExecuteScalarAsync(ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var batch in _steps.OfType<NpgsqlBatch>())
        {
            await batch.DisposeAsync();
        }
    }

    /// <summary>
    /// The values with every moment at UTC, in place. A timestamptz keeps the moment, not its
    /// offset, and Npgsql refuses any other offset: a time a user gave at +03:00 failed its batch.
    /// </summary>
    private static object?[] InUtc(object?[] values)
    {
        for (var n = 0; n < values.Length; n++)
        {
            if (values[n] is DateTimeOffset { Offset.Ticks: not 0 } moment)
            {
                values[n] = moment.ToUniversalTime();
            }
        }

        return values;
    }

    private NpgsqlBatch CurrentBatch()
    {
        if (_steps.Count == 0 || _steps[^1] is not NpgsqlBatch batch)
        {
            batch = new NpgsqlBatch();
            _steps.Add(batch);
        }

        return batch;
    }

    /// <summary>Queues what was gathered, before a statement that may depend on it.</summary>
    private void EndGathered()
    {
        // Insertion order of the dictionaries: tables in the order their first row came. Both are
        // emptied first, as a single row's insert goes through Execute, which comes back here.
        var inserts = _inserts.Values.ToList();
        var rowRuns = _rowRuns.Values.ToList();
        _inserts.Clear();
        _rowRuns.Clear();
        _rowKeys.Clear();
        foreach (var run in inserts)
        {
            EndInserts(run);
        }

        foreach (var run in rowRuns)
        {
            CurrentBatch().BatchCommands.Add(run.ToCommand());
        }
    }

    private void EndInserts(InsertRun run)
    {
        if (run.Rows.Count >= CopyFrom)
        {
            _steps.Add(run);
        }
        else if (run.Rows.Count == 1)
        {
            var placeholders = string.Join(", ", Enumerable.Range(1, run.Rows[0].Length).Select(i => $"${i}"));
            Execute($"INSERT INTO {run.Table} ({run.Columns}) VALUES ({placeholders})", run.Rows[0]);
        }
        else
        {
            CurrentBatch().BatchCommands.Add(Unnest(run));
        }
    }

    private static NpgsqlBatchCommand Unnest(InsertRun run)
    {
        var command = new NpgsqlBatchCommand();
        var select = new List<string>();
        var aliases = new List<string>();
        for (var column = 0; column < run.Rows[0].Length; column++)
        {
            if (run.TypeOf(column) is not { } type)
            {
                // Null in every row: an untyped NULL takes the column's type.
                select.Add("NULL");
                continue;
            }

            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | ColumnTypes[type], Value = ColumnArray(run.Rows, column, type) });
            aliases.Add($"c{column}");
            select.Add($"u.c{column}");
        }

        var arrays = string.Join(", ", Enumerable.Range(1, command.Parameters.Count).Select(i => $"${i}"));
        command.CommandText = $"INSERT INTO {run.Table} ({run.Columns}) SELECT {string.Join(", ", select)} FROM unnest({arrays}) AS u({string.Join(", ", aliases)})";
        return command;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, InsertRun run, CancellationToken ct)
    {
        var types = Enumerable.Range(0, run.Rows[0].Length).Select(run.TypeOf).ToArray();
        await using var copy = await connection.BeginBinaryImportAsync($"COPY {run.Table} ({run.Columns}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in run.Rows)
        {
            // Synchronous writes: they fill the import's buffer and touch the network only when it is
            // full; an await per value costs more than the COPY saves.
            copy.StartRow();
            for (var column = 0; column < row.Length; column++)
            {
                if (row[column] is { } value)
                {
                    copy.Write(value, ColumnTypes[types[column]!]);
                }
                else
                {
                    copy.WriteNull();
                }
            }
        }

        await copy.CompleteAsync(ct);
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

    /// <summary>The rows of one <see cref="Row"/> statement, the last of each key, sent as one array a column.</summary>
    private sealed class RowRun(string sql, string columns)
    {
        private readonly List<object?[]> _rows = [];
        private readonly Dictionary<object, int> _indexOfKey = [];

        public string Sql => sql;

        public void Add(object key, object?[] values)
        {
            if (_indexOfKey.TryGetValue(key, out var index))
            {
                _rows[index] = values;
            }
            else
            {
                _indexOfKey.Add(key, _rows.Count);
                _rows.Add(values);
            }
        }

        public NpgsqlBatchCommand ToCommand()
        {
            var declared = columns.Split(',').Select(c => c.Trim().Split(' ', 2, StringSplitOptions.TrimEntries)).ToArray();
            var command = new NpgsqlBatchCommand();
            for (var column = 0; column < declared.Length; column++)
            {
                var type = SqlTypes[declared[column][1]];
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | ColumnTypes[type], Value = ColumnArray(_rows, column, type) });
            }

            var arrays = string.Join(", ", declared.Select((c, i) => $"${i + 1}::{c[1]}[]"));
            command.CommandText = $"WITH rows AS (SELECT * FROM unnest({arrays}) AS r({string.Join(", ", declared.Select(c => c[0]))})) {sql}";
            return command;
        }
    }

    private sealed record InsertRun(string Table, string Columns, List<object?[]> Rows)
    {
        /// <summary>The CLR type of a column's values; null when every row has null there.</summary>
        public Type? TypeOf(int column) => Rows.Select(r => r[column]).FirstOrDefault(v => v is not null)?.GetType();
    }
}
