using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections;

/// <summary>Runs a read-model query and maps its rows: the one piece of ADO.NET every query class needs.</summary>
public static class ReadModelQuery
{
    /// <summary>
    /// Runs the query, and once more on a new connection when the one the pool gave was found cut.
    /// A database that restarts or ends the node's sessions (pg_terminate_backend) tells each
    /// session so as it ends it, and an idle pooled connection reads that only on its next use:
    /// without this, the first read after every restart was answered 503. A read changes nothing,
    /// so it is safe to run again. A time-out is not retried: the caller already waited.
    /// </summary>
    public static async Task<IReadOnlyList<T>> QueryAsync<T>(this NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] parameters)
    {
        try
        {
            return await RunAsync(dataSource, sql, read, parameters, ct);
        }
        catch (Exception e) when (AnotherConnectionMayServe(e) && !ct.IsCancellationRequested)
        {
            // Npgsql lets the pool's other idle connections go with the one found cut (measured),
            // so the next is a new one.
            return await RunAsync(dataSource, sql, read, parameters, ct);
        }
    }

    private static async Task<IReadOnlyList<T>> RunAsync<T>(NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read, object?[] parameters, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static bool AnotherConnectionMayServe(Exception e) => StoreUnavailable.Is(e) && !TimedOut(e);

    private static bool TimedOut(Exception e) => e is TimeoutException || (e.InnerException is { } inner && TimedOut(inner));
}
