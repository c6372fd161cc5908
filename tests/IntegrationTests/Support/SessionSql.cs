using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>Statements a test runs on a connection it holds: a session whose settings or locks matter.</summary>
public static class SessionSql
{
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// Ends every other session its role holds on this database (a node's, under test) and
    /// returns their process ids. Picked before any is ended: an autovacuum worker on the database
    /// has no role, which PostgreSQL treats as a superuser's ("must be a superuser to terminate
    /// superuser process"), and a filter checked after the call would not keep it out.
    /// </summary>
    public static async Task<IReadOnlyList<int>> EndOtherSessionsOfRoleAsync(this NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH own AS MATERIALIZED (
                SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid())
            SELECT pid FROM own WHERE pg_terminate_backend(pid)
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ended = new List<int>();
        while (await reader.ReadAsync())
        {
            ended.Add(reader.GetInt32(0));
        }

        return ended;
    }
}
