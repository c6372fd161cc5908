using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The API as a real process (<see cref="ApiProcessSite"/>) and a headless browser.</summary>
public sealed class BrowserSite : ApiProcessSite
{
    public Browser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
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

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
