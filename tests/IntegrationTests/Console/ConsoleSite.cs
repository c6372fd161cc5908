using EventSourced.IntegrationTests.Support;
using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Console;

/// <summary>The API as a real process on loopback (a browser needs a real socket) over a fresh database, and a browser.</summary>
public sealed class ConsoleSite : IAsyncLifetime
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
            },
            [("alice", "user"), ("ops", "operator"), ("ci", "deploy-source"), ("ticketland", "ticket-source")]);
        // Pages read once when opened: every read model must serve before a test opens one.
        using var anonymous = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = Wait.Scaled(TimeSpan.FromSeconds(5)) };
        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).IsSuccessStatusCode, "every read model to serve");
        Browser = await Browser.StartAsync();
    }

    /// <summary>A page signed in to the console as the operator.</summary>
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
