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

    /// <summary>Where its server listens: the target of a forwarder or pooler a test puts in front of it.</summary>
    public (string Host, int Port) Address
    {
        get
        {
            var server = new NpgsqlConnectionStringBuilder(ConnectionString);
            return (server.Host!, server.Port);
        }
    }

    /// <summary>Its connection string, reaching the server through a loopback port (a forwarder's, a pooler's) instead.</summary>
    public string ConnectionStringThrough(int loopbackPort) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = loopbackPort }.ConnectionString;

    /// <summary>The server test databases are made on.</summary>
    public static string Server => Environment.GetEnvironmentVariable("ConnectionStrings__EventStore") ?? DefaultServer;

    public static async Task<TestDatabase> CreateAsync() => new(Server, await ThrowawayDatabases.CreateAsync(Server, Prefix));

    /// <summary>Has <paramref name="remove"/> run when the database is dropped; once per <paramref name="what"/>, however often it is asked.</summary>
    public void RemoveAlongside(string what, Action remove) => _removeAlongside.TryAdd(what, remove);

    public async ValueTask DisposeAsync()
    {
        await ThrowawayDatabases.DropAsync(_serverConnectionString, Name);
        foreach (var remove in _removeAlongside.Values)
        {
            remove();
        }
    }
}
