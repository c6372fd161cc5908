using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Another site on loopback, as a shop is: its page /shop.html embeds the chat widget from the
/// API host (the widget page's scripts and styles loaded from there), so the widget in a browser
/// talks to the API across origins, as it does on a real shop's site.
/// </summary>
public sealed class ShopSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ShopSite(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The origin a browser sends from the shop's pages: scheme, host and port.</summary>
    public string Origin => Address.GetLeftPart(UriPartial.Authority);

    public static async Task<ShopSite> StartAsync(Func<Uri> api)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var client = new HttpClient();
        app.MapGet("/shop.html", async () =>
        {
            var widget = new Uri(api(), "/chat-demo/");
            var page = await client.GetStringAsync(new Uri(widget, "visitor.html"));
            return Results.Content(page.Replace("src=\"", $"src=\"{widget}", StringComparison.Ordinal).Replace("href=\"", $"href=\"{widget}", StringComparison.Ordinal), "text/html");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ShopSite(app, new Uri(address));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
