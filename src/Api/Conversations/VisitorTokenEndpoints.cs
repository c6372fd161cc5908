using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Conversations;

/// <summary>POST /api/visitor-tokens: a site's backend gets a short-lived token for one of its visitors (or mints it offline with the shared key).</summary>
public static class VisitorTokenEndpoints
{
    public static IEndpointRouteBuilder MapVisitorTokenEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/visitor-tokens", Mint).WithTags("Conversations").WithName("MintVisitorToken")
            .WithSummary("A signed token (JWT, HS256) for a visitor id: its bearer opens, reads and writes only that visitor's chats, over REST (Authorization: Bearer), server-sent events (?access_token=) and /faye (ext.token).")
            .RequireAuthorization(Roles.Site);
        return routes;
    }

    private static Results<Ok<VisitorTokenResponse>, ValidationProblem, ProblemHttpResult> Mint(MintVisitorTokenRequest request, VisitorTokenOptions options, VisitorTokens tokens)
    {
        if (string.IsNullOrWhiteSpace(request.VisitorId) || request.VisitorId.Length > 200)
        {
            return Problems.Invalid("visitorId", "A visitor id of 1 to 200 characters is required.");
        }

        if (!options.Configured)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: Problems.Unavailable,
                title: "Visitor tokens are not configured", detail: "Set Chat:VisitorTokens:SigningKey (at least 32 bytes).");
        }

        var (token, expiresAt) = tokens.Mint(request.VisitorId);
        return TypedResults.Ok(new VisitorTokenResponse(request.VisitorId, token, expiresAt));
    }
}

public sealed record MintVisitorTokenRequest(string? VisitorId);

public sealed record VisitorTokenResponse(string VisitorId, string Token, DateTimeOffset ExpiresAt);
