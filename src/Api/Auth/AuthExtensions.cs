using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace EventSourced.Api.Auth;

public static class AuthExtensions
{
    private const string KeyOrToken = "ApiKeyOrVisitorToken";

    /// <summary>Visitors (with a visitor token, or users with a key), managers, and operators acting as moderators.</summary>
    public const string ChatParticipant = "chat-participant";

    /// <summary>A source the caller's key may report for (<see cref="ApiKeyEntry.Sources"/>).</summary>
    public const string SourceClaim = "eventsourced:source";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiKeyOptions>(configuration.GetSection("Auth"));
        var visitorTokens = configuration.GetSection("Chat:VisitorTokens").Get<VisitorTokenOptions>() ?? new VisitorTokenOptions();
        services.AddSingleton(visitorTokens);
        services.AddSingleton<VisitorTokens>();
        services.AddAuthentication(KeyOrToken)
            // A bearer token is a visitor's; anything else is an API key (or nothing).
            .AddPolicyScheme(KeyOrToken, "API key or visitor token", o => o.ForwardDefaultSelector = http =>
                VisitorTokenIn(http.Request) ? VisitorTokens.SchemeName : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(VisitorTokens.SchemeName, o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = VisitorTokens.ValidationFor(visitorTokens);
                o.Events = new JwtBearerEvents
                {
                    // Browsers' EventSource cannot send headers: live channels take ?access_token= too.
                    OnMessageReceived = c =>
                    {
                        if (c.Request.Path.Value?.EndsWith("/live", StringComparison.Ordinal) == true && c.Request.Query["access_token"] is [{ Length: > 0 } token])
                        {
                            c.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                    OnTokenValidated = c =>
                    {
                        c.Principal = VisitorTokens.VisitorPrincipal(c.Principal!.Identity!.Name!);
                        return Task.CompletedTask;
                    },
                };
            });
        services.AddAuthorizationBuilder()
            // Every endpoint needs a known key unless it says otherwise.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.User, p => p.RequireRole(Roles.User))
            .AddPolicy(Roles.Operator, p => p.RequireRole(Roles.Operator))
            .AddPolicy(ChatParticipant, p => p.RequireRole(Roles.User, Roles.Visitor, Roles.Manager, Roles.Operator))
            .AddPolicy(Roles.Site, p => p.RequireRole(Roles.Site))
            .AddPolicy(Roles.DeploySource, p => p.RequireRole(Roles.DeploySource))
            .AddPolicy(Roles.TicketSource, p => p.RequireRole(Roles.TicketSource));
        return services;
    }

    private static bool VisitorTokenIn(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || (request.Query.ContainsKey("access_token") && request.Headers[ApiKeyAuthenticationHandler.HeaderName].Count == 0);

    /// <summary>Whether the caller's key may report for this deploy source or ticket application.</summary>
    public static bool MayReportFor(this HttpContext context, string source) => context.User.HasClaim(SourceClaim, source);

    /// <summary>The authenticated subject: the owner of everything a user creates.</summary>
    public static string Subject(this HttpContext context) =>
        context.User.Identity?.Name ?? throw new InvalidOperationException("An authenticated subject is required here.");
}
