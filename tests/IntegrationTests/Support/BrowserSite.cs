using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The API as a real process (<see cref="ApiProcessSite"/>), a headless browser, and a shop's site
/// (<see cref="ShopSite"/>) whose origin the API lets embed the chat widget.
/// </summary>
public class BrowserSite : ApiProcessSite
{
    public Browser Browser { get; private set; } = null!;

    public ShopSite Shop { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Shop = await ShopSite.StartAsync(() => Api.BaseAddress);
        MoreSettings["Chat:AllowedOrigins:0"] = Shop.Origin;
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
        if (Shop is not null)
        {
            await Shop.DisposeAsync();
        }
    }
}
