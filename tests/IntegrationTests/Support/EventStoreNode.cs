using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Privacy;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>One node's event store over a test database: its own pool, notifications and store, as a process would have.</summary>
public sealed class EventStoreNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    private EventStoreNode(string connectionString, EventStoreOptions options)
    {
        Options = options;
        DataSource = EventStoreDataSource.Create(connectionString, options.DeadConnectionTimeout);
        Notifications = new AppendNotifications(DataSource, options, NullLogger<AppendNotifications>.Instance);
        Store = new PostgresEventStore(DataSource, options, Notifications);
    }

    public EventStoreOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    public AppendNotifications Notifications { get; }

    public PostgresEventStore Store { get; }

    /// <summary>The store with personal fields sealed and revealed (ADR 0025), under a key ring of its own: another node's view.</summary>
    public ProtectedEventStore ProtectedStore() => new(Store, new SubjectKeyRing(new PostgresSubjectKeyStore(DataSource, Options)));

    /// <summary>
    /// Migrates the schema (as every node does at start-up) and starts listening for other nodes' appends.
    /// Unless told otherwise, a read of $all waits with the tests' patience for appends held behind
    /// transactions in flight: other test classes' transactions, in other databases of the same
    /// cluster, hold back the horizon too, and on a busy machine longer than the product's 1 s.
    /// </summary>
    public static async Task<EventStoreNode> StartAsync(string connectionString, EventStoreOptions? options = null)
    {
        var node = new EventStoreNode(connectionString, options ?? new EventStoreOptions { ReadAllSettleTimeout = Wait.Patience });
        await new SchemaMigrator(node.DataSource, node.Options, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        await node.Notifications.StartAsync(node._stopping.Token);
        return node;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Notifications.StopAsync(CancellationToken.None);
        Notifications.Dispose();
        await DataSource.DisposeAsync();
        _stopping.Dispose();
    }
}
