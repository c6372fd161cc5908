using EventSourced.IntegrationTests.Support;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>A throwaway database for one benchmark run, so runs never see each other's rows.</summary>
internal sealed class BenchDatabase(string server, string name) : IAsyncDisposable
{
    private const string Prefix = "es_bench";

    public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 32 }.ConnectionString;

    public static async Task<BenchDatabase> CreateAsync(string server)
    {
        // Those of killed runs (ThrowawayDatabases).
        await ThrowawayDatabases.DropAbandonedAsync(server, Prefix, DateTimeOffset.UtcNow);
        var database = new BenchDatabase(server, ThrowawayDatabases.NewName(Prefix, DateTimeOffset.UtcNow));
        await database.OnServerAsync($"CREATE DATABASE {name(database)}");
        return database;

        static string name(BenchDatabase d) => new NpgsqlConnectionStringBuilder(d.ConnectionString).Database!;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await OnServerAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    private async Task OnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
