namespace EventSourced.Api.Http;

/// <summary>
/// Static pages embedded in this assembly (EmbeddedResource with LogicalName "{site}/{file}"),
/// served at /{site}/ to anyone: they hold no data, and everything they show comes from the API
/// with the caller's own credentials. No wwwroot to deploy beside the binary.
/// </summary>
public static class EmbeddedPages
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapEmbeddedPages(this IEndpointRouteBuilder routes, string site)
    {
        // One route for /site and /site/ (routing ignores the trailing slash): relative links in
        // the pages resolve under /site/ only with it, so /site is sent there.
        routes.MapGet($"/{site}/{{file?}}", (string? file, HttpContext http) =>
                http.Request.Path.Value!.EndsWith($"/{site}", StringComparison.Ordinal) ? Results.Redirect($"/{site}/") : Serve(site, file ?? "index.html", http))
            .AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    private static IResult Serve(string site, string file, HttpContext http)
    {
        var stream = ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType)
            ? typeof(EmbeddedPages).Assembly.GetManifestResourceStream($"{site}/{file}")
            : null;
        if (stream is null)
        {
            return Results.NotFound();
        }

        // Always checked again: a deploy changes the pages with the API they talk to.
        http.Response.Headers.CacheControl = "no-cache";
        // Only this server's own scripts, styles and API, and never inside another site's frame: a
        // page with buttons that rebuild, discard and forget must not be clickjacked or injected into.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        http.Response.Headers.XFrameOptions = "DENY";
        // The chat demo's address carries a visitor token or key: never sent on to another site.
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Stream(stream, contentType);
    }
}
