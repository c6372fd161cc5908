using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Headless Debian Chromium driven by Playwright (a browser download fails here, so the
/// machine's own is used: scripts/chromium-up.sh installs it). Ending it ends the driver and
/// every browser process.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static async Task<Browser> StartAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}: run scripts/chromium-up.sh as root (Debian's chromium package), or set CHROMIUM_PATH.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true });
            Assertions.SetDefaultExpectTimeout((float)Wait.Patience.TotalMilliseconds);
            return new Browser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh page (its own storage) of a desktop size, patient as the tests are.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)Wait.Patience.TotalMilliseconds);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
