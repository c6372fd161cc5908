using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The API as a real process on loopback (a browser needs a real socket) over a fresh database,
/// and a browser: user alice, operator ops, deploy source ci, ticket source ticketland, manager
/// mia and site shop (visitor tokens signed with <see cref="EmptyStoreApi.VisitorTokenKey"/>).
/// </summary>
public sealed class BrowserSite : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public ApiProcess Api { get; private set; } = null!;

    public Browser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Api = await ApiProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["ConnectionStrings:EventStore"] = Database.ConnectionString,
                ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
                // A poison event stops its projection, for the console's Reset to let it go on.
                ["Projections:OnPoisonEvent"] = "Stop",
                // ci (the third key) reports deploys through the API.
                ["Auth:ApiKeys:2:Sources:0"] = "api",
                ["Chat:VisitorTokens:SigningKey"] = EmptyStoreApi.VisitorTokenKey,
            },
            [("alice", "user"), ("ops", "operator"), ("ci", "deploy-source"), ("ticketland", "ticket-source"), ("mia", "manager"), ("shop", "site")]);
        // Pages read once when opened: every read model must serve before a test opens one.
        using var anonymous = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = Wait.Scaled(TimeSpan.FromSeconds(5)) };
        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).IsSuccessStatusCode, "every read model to serve");
        Browser = await Browser.StartAsync();
    }

    /// <summary>A page signed in to the operator console as ops.</summary>
    public async Task<IPage> SignedInAsync()
    {
        var page = await Browser.NewPageAsync(Api.BaseAddress);
        await page.GotoAsync("/console");
        await page.GetByLabel("Operator API key").FillAsync(ApiProcess.KeyOf("ops"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        // Each part ends even when another failed to start.
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

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
