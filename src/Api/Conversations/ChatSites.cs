namespace EventSourced.Api.Conversations;

/// <summary>
/// The sites whose pages embed the chat widget (<c>Chat:AllowedOrigins</c>, for example
/// <c>https://shop.example</c>): browsers let those pages call the chat's REST endpoints and live
/// channels on this host. With none, only this host's own pages may, as browsers enforce anyway.
/// Credentials travel in headers (a visitor token, an API key), never in cookies, so CORS sends none.
/// </summary>
public static class ChatSites
{
    public const string Policy = "chat-sites";

    public static IServiceCollection AddChatSites(this IServiceCollection services, IConfiguration configuration)
    {
        var origins = configuration.GetSection("Chat:AllowedOrigins").Get<string[]>() ?? [];
        foreach (var origin in origins)
        {
            // A browser sends scheme, host and port only: anything more would never match.
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.GetLeftPart(UriPartial.Authority) != origin)
            {
                throw new InvalidOperationException($"Chat:AllowedOrigins holds '{origin}': an origin is a scheme, a host and a port if not the default, as https://shop.example, with no path or trailing slash.");
            }
        }

        return services.AddCors(o => o.AddPolicy(Policy, p => p.WithOrigins(origins).AllowAnyHeader().WithMethods("GET", "POST")));
    }
}
