using Scalar.AspNetCore;

namespace EventSourced.Api.Docs;

/// <summary>The interactive API page at /docs (Scalar over /openapi/v1.json) and a landing at / that links what a newcomer looks for.</summary>
public static class DocsEndpoints
{
    public static IEndpointRouteBuilder MapDocs(this IEndpointRouteBuilder routes)
    {
        routes.MapScalarApiReference("/docs", o => o
            .WithTitle("EventSourced API")
            .AddPreferredSecuritySchemes(ApiKeySecurityTransformer.Scheme)
            // Everything from this host: no web fonts, and requests sent by the browser itself, never a proxy.
            .DisableDefaultFonts())
            .AllowAnonymous();
        routes.MapGet("/", () => TypedResults.Ok(new Landing(
                "EventSourced: an event-sourced CQRS backend. Every /api endpoint needs an X-Api-Key header.",
                Docs: "/docs", Console: "/console/", OpenApi: "/openapi/v1.json", Live: "/health/live", Ready: "/health/ready")))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return routes;
    }

    public sealed record Landing(string About, string Docs, string Console, string OpenApi, string Live, string Ready);
}
