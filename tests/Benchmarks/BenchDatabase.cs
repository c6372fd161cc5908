using EventSourced.IntegrationTests.Support;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>A throwaway database for one benchmark run, so runs never see each other's rows.</summary>
internal sealed class BenchDatabase(string server, string name) : IAsyncDisposable
{
    public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 32 }.ConnectionString;

    public static async Task<BenchDatabase> CreateAsync(string server) => new(server, await ThrowawayDatabases.CreateAsync(server, "es_bench"));

    public ValueTask DisposeAsync() => new(ThrowawayDatabases.DropAsync(server, name));
}
