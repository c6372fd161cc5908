namespace EventSourced.Api.OperatorConsole;

/// <summary>
/// The operator console at /console: static files embedded in this assembly, served to anyone
/// (they hold no data); everything they show comes from the operator endpoints with the key the
/// operator signs in with.
/// </summary>
public static class ConsoleEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder routes)
    {
        // One route for /console and /console/ (routing ignores the trailing slash): relative links
        // in the page resolve under /console/ only with it, so /console is sent there.
        routes.MapGet("/console/{file?}", (string? file, HttpContext http) =>
                http.Request.Path.Value!.EndsWith("/console", StringComparison.Ordinal) ? Results.Redirect("/console/") : Serve(file ?? "index.html", http))
            .AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    private static IResult Serve(string file, HttpContext http)
    {
        var stream = ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType)
            ? typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream($"console/{file}")
            : null;
        if (stream is null)
        {
            return Results.NotFound();
        }

        // Always checked again: a deploy changes the console with the API it talks to.
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Stream(stream, contentType);
    }
}
