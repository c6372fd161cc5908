using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The real API host (the whole HTTP pipeline) over a fresh, empty database of its own.</summary>
public sealed class EmptyStoreApi : WebApplicationFactory<Program>, IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync() => Database = await TestDatabase.CreateAsync();

    /// <summary>How many events the store holds, to prove that refused requests appended nothing.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var node = await EventStoreNode.StartAsync(Database.ConnectionString);
        return await node.ScalarAsync("SELECT count(*) FROM es.events");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseSetting("ConnectionStrings:EventStore", Database.ConnectionString);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
    }
}
