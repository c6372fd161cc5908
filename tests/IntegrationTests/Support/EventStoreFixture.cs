namespace EventSourced.IntegrationTests.Support;

/// <summary>A test class's own database with a migrated, empty event store.</summary>
public sealed class EventStoreFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public EventStoreNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Node = await EventStoreNode.StartAsync(Database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Database.DisposeAsync();
    }
}
