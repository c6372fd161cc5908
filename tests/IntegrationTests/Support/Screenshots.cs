using EventSourced.TestSupport;
using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Screenshots the tests take of what they check: kept beside the test binaries, and written to
/// docs/screenshots (which the README shows) with UPDATE_SNAPSHOTS=1, like the golden files.
/// </summary>
public static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        var local = Path.Combine(AppContext.BaseDirectory, "screenshots", $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = local, FullPage = true });
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            var published = Path.Combine(Repository.Root, "docs", "screenshots", $"{name}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(published)!);
            File.Copy(local, published, overwrite: true);
        }
    }
}
