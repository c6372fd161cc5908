using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The real API host (the whole HTTP pipeline) over a fresh, empty database of its own, with
/// users (and chat visitors) alice, bob, vera and vlad, managers mia, max and ann, operator ops,
/// deploy source ci (reporting through every deploy source), the Qloud hook's own key qloud,
/// ticket source ticketland, and site shop (which mints visitor tokens).
/// </summary>
public class EmptyStoreApi : WebApplicationFactory<Program>, IAsyncLifetime
{
    private static readonly (string Subject, string Role, string[] Sources)[] Identities =
    [
        ("alice", "user", []), ("bob", "user", []), ("vera", "user", []), ("vlad", "user", []), ("mia", "manager", []), ("max", "manager", []), ("ann", "manager", []), ("ops", "operator", []),
        ("ci", "deploy-source", ["api", "qloud", "http"]), ("qloud", "deploy-source", []), ("ticketland", "ticket-source", []), ("shop", "site", []),
    ];

    /// <summary>The key visitor tokens are signed with (Chat:VisitorTokens:SigningKey), for tests that mint their own.</summary>
    public const string VisitorTokenKey = "test-visitor-token-signing-key-0123456789";

    public TestDatabase Database { get; protected set; } = null!;

    /// <summary>What the host logged as errors, for a test to say why its host stopped.</summary>
    public CapturedLogs Errors { get; } = new(LogLevel.Error);

    public virtual async Task InitializeAsync() => Database = await TestDatabase.CreateAsync();

    /// <summary>A client that authenticates as <paramref name="subject"/> with its API key.</summary>
    public HttpClient ClientFor(string subject)
    {
        var client = CreateDefaultClient(new Uri("http://localhost"), new RedirectHandler(), new CookieContainerHandler(), new StoppedHostReport(Errors));
        // Longer than a read-your-writes query may wait (the patience), which can pass HttpClient's 100 s on a busy machine.
        client.Timeout = Wait.Patience * 2;
        client.DefaultRequestHeaders.Add("X-Api-Key", KeyOf(subject));
        return client;
    }

    /// <summary>How many events the store holds, to prove that refused requests appended nothing.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var node = await EventStoreNode.StartAsync(Database.ConnectionString);
        return await node.ScalarAsync("SELECT count(*) FROM es.events");
    }

    /// <summary>A stream as the application reads it (personal fields decrypted), to check what a request appended.</summary>
    public Task<IReadOnlyList<EventSourced.Application.EventStore.RecordedEvent>> StreamAsync(string stream) =>
        Services.GetRequiredService<EventSourced.Application.EventStore.IEventStore>().ReadStreamAsync(stream, EventSourced.Application.EventStore.ReadDirection.Forward, 0, 1000);

    /// <summary>A stream as stored: what a dump of the event store holds.</summary>
    public async Task<IReadOnlyList<EventSourced.Application.EventStore.RecordedEvent>> StoredStreamAsync(string stream)
    {
        await using var node = await EventStoreNode.StartAsync(Database.ConnectionString);
        return await node.Store.ReadStreamAsync(stream, EventSourced.Application.EventStore.ReadDirection.Forward, 0, 1000);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(l => l.AddProvider(Errors));
        builder.UseSetting("ConnectionStrings:EventStore", Database.ConnectionString);
        builder.UseSetting("EventStore:KeyEncryptionKey", ApiProcess.KeyEncryptionKey);
        // Each test class starts a host whose projections start from nothing on a busy machine:
        // the tests' patience, not the product's 5 s, bounds read-your-writes here.
        builder.UseSetting("Projections:ReadYourWritesTimeout", Wait.Patience.ToString());
        builder.UseSetting("Chat:VisitorTokens:SigningKey", VisitorTokenKey);
        // Live channels' tests then meet heartbeats between events, as clients do.
        builder.UseSetting("Chat:LiveChannels:HeartbeatInterval", "00:00:00.500");
        for (var i = 0; i < Identities.Length; i++)
        {
            var (subject, role, sources) = Identities[i];
            builder.UseSetting($"Auth:ApiKeys:{i}:Hash", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(KeyOf(subject)))));
            builder.UseSetting($"Auth:ApiKeys:{i}:Subject", subject);
            builder.UseSetting($"Auth:ApiKeys:{i}:Roles:0", role);
            for (var s = 0; s < sources.Length; s++)
            {
                builder.UseSetting($"Auth:ApiKeys:{i}:Sources:{s}", sources[s]);
            }
        }
    }

    public virtual async Task DisposeHostAndDatabaseAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeHostAndDatabaseAsync();

    private static string KeyOf(string subject) => $"test-key-{subject}";
}
