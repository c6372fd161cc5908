using Npgsql;

namespace EventSourced.Projections;

/// <summary>Runs a read-model query and maps its rows: the one piece of ADO.NET every query class needs.</summary>
public static class ReadModelQuery
{
    public static async Task<IReadOnlyList<T>> QueryAsync<T>(this NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] parameters)
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
}
