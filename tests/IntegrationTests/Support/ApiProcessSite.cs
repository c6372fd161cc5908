namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The API as a real process on loopback (browsers, Node and the command line need a real socket)
/// over a fresh database, serving every read model: user alice, operator ops, deploy source ci,
/// ticket source ticketland, managers mia and max, and site shop (visitor tokens signed with
/// <see cref="EmptyStoreApi.VisitorTokenKey"/>).
/// </summary>
public class ApiProcessSite : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public ApiProcess Api { get; private set; } = null!;

    /// <summary>Settings a derived site adds to the host's, or changes, before <see cref="InitializeAsync"/>.</summary>
    protected Dictionary<string, string> MoreSettings { get; } = [];

    public virtual async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Api = await StartNodeAsync();
    }

    /// <summary>
    /// Another node over the same database and settings, serving every read model: one started
    /// after what the test did on <see cref="Api"/> (a deploy, a scale-out). The test disposes it.
    /// </summary>
    public async Task<ApiProcess> StartNodeAsync()
    {
        var settings = new Dictionary<string, string>
            {
                ["ConnectionStrings:EventStore"] = Database.ConnectionString,
                ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
                // A poison event stops its projection, for the console's Reset to let it go on.
                ["Projections:OnPoisonEvent"] = "Stop",
                // ci (the third key) reports deploys through the API.
                ["Auth:ApiKeys:2:Sources:0"] = "api",
                ["Chat:VisitorTokens:SigningKey"] = EmptyStoreApi.VisitorTokenKey,
                // A Bayeux long poll held 5 s, so that clients going away end theirs soon.
                ["Faye:ConnectTimeout"] = "00:00:05",
            };
        foreach (var (key, value) in MoreSettings)
        {
            settings[key] = value;
        }

        var node = await ApiProcess.StartAsync(
            settings,
            [("alice", "user"), ("ops", "operator"), ("ci", "deploy-source"), ("ticketland", "ticket-source"), ("mia", "manager"), ("shop", "site"), ("max", "manager")]);
        try
        {
            // Pages and lists read once: every read model must serve before a test starts.
            using var anonymous = new HttpClient { BaseAddress = node.BaseAddress, Timeout = Wait.Scaled(TimeSpan.FromSeconds(5)) };
            await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).IsSuccessStatusCode, "every read model to serve");
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public virtual async Task DisposeAsync()
    {
        // Each part ends even when another failed to start.
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
