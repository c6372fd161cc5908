using System.Collections.Concurrent;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A fresh PostgreSQL database for one test class, on the server that scripts/postgres-up.sh
/// brought up (ConnectionStrings__EventStore). Dropped when the class is done, together with what
/// was named after it elsewhere (a RabbitMQ virtual host), whichever node or test made that.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private const string Prefix = "es_test";
    private const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=eventsourced;Password=eventsourced;Database=eventsourced;SSL Mode=Disable";
    // Those of killed runs, once a process (ThrowawayDatabases).
    private static readonly Lazy<Task> AbandonedDropped = new(() => ThrowawayDatabases.DropAbandonedAsync(Server, Prefix, DateTimeOffset.UtcNow));
    private readonly string _serverConnectionString;
    private readonly ConcurrentDictionary<string, Action> _removeAlongside = new();

    private TestDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name, MaxPoolSize = 64 }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The server test databases are made on.</summary>
    public static string Server => Environment.GetEnvironmentVariable("ConnectionStrings__EventStore") ?? DefaultServer;

    public static async Task<TestDatabase> CreateAsync()
    {
        await AbandonedDropped.Value;
        var database = new TestDatabase(Server, ThrowawayDatabases.NewName(Prefix, DateTimeOffset.UtcNow));
        await database.ExecuteOnServerAsync($"CREATE DATABASE {database.Name}");
        return database;
    }

    /// <summary>Has <paramref name="remove"/> run when the database is dropped; once per <paramref name="what"/>, however often it is asked.</summary>
    public void RemoveAlongside(string what, Action remove) => _removeAlongside.TryAdd(what, remove);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        foreach (var remove in _removeAlongside.Values)
        {
            remove();
        }
    }

    private async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
