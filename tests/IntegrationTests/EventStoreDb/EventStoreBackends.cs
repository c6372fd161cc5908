using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStoreDb;
using EventSourced.IntegrationTests.Support;

namespace EventSourced.IntegrationTests.EventStoreDb;

/// <summary>An event-store backend the contract suite runs against; <see cref="Unavailable"/> says why it cannot.</summary>
public interface IEventStoreBackend : IAsyncLifetime
{
    IEventStore Store { get; }

    string? Unavailable { get; }
}

public sealed class PostgresBackend : IEventStoreBackend
{
    private TestDatabase _database = null!;
    private EventStoreNode _node = null!;

    public IEventStore Store => _node.Store;

    public string? Unavailable => null;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _node = await EventStoreNode.StartAsync(_database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>The EventStoreDB adapter against the protocol stand-in on loopback.</summary>
public sealed class FakeEventStoreDbBackend : IEventStoreBackend
{
    public FakeEventStoreDb Server { get; private set; } = null!;

    public IEventStore Store { get; private set; } = null!;

    public string? Unavailable => null;

    public async Task InitializeAsync()
    {
        Server = await FakeEventStoreDb.StartAsync();
        // The product's 10 s deadline, stretched as far as the machine is busy: under the CPU-hog
        // run a call to the stand-in took longer, and Grpc.Net.Client reported it as Internal.
        var deadline = (int)Wait.Scaled(TimeSpan.FromSeconds(10)).TotalMilliseconds;
        Store = EventStoreDbServiceCollectionExtensions.Create(Server.ConnectionString($"tls=false&defaultDeadline={deadline}"));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A real EventStoreDB (22.10 or later) named by EVENTSTORE_CONNECTION, for example esdb://127.0.0.1:2113?tls=false.</summary>
public sealed class EventStoreDbBackend : IEventStoreBackend
{
    private static readonly string? Connection = Environment.GetEnvironmentVariable("EVENTSTORE_CONNECTION");

    public IEventStore Store { get; private set; } = null!;

    public string? Unavailable => Connection is null ? "EVENTSTORE_CONNECTION is not set, so there is no EventStoreDB server to run against" : null;

    public Task InitializeAsync()
    {
        if (Connection is not null)
        {
            Store = EventStoreDbServiceCollectionExtensions.Create(Connection);
        }

        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
