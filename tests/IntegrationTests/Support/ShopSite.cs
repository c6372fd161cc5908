using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Another site on loopback, as a shop is: its page /shop.html embeds the chat widget from the
/// API host (the widget page's scripts and styles loaded from there), so the widget in a browser
/// talks to the API across origins, as it does on a real shop's site.
/// </summary>
public sealed class ShopSite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private ShopSite(WebApplication app, Uri address, HttpClient client)
    {
        _app = app;
        Address = address;
        _client = client;
    }

    public Uri Address { get; }

    /// <summary>The origin a browser sends from the shop's pages: scheme, host and port.</summary>
    public string Origin => Address.GetLeftPart(UriPartial.Authority);

    public static async Task<ShopSite> StartAsync(Func<Uri> api)
    {
        var client = new HttpClient();
        var (app, address) = await Loopback.StartAsync(_ => { }, app => app.MapGet("/shop.html", async () =>
        {
            var widget = new Uri(api(), "/chat-demo/");
            var page = await client.GetStringAsync(new Uri(widget, "visitor.html"));
            return Results.Content(page.Replace("src=\"", $"src=\"{widget}", StringComparison.Ordinal).Replace("href=\"", $"href=\"{widget}", StringComparison.Ordinal), "text/html");
        }));
        return new ShopSite(app, address, client);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
