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
}
