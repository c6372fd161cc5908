using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace EventSourced.Api.Http;

/// <summary>How many requests each caller may make (section RateLimiting).</summary>
public sealed class RateLimitingOptions
{
    /// <summary>Requests per second each caller (API key subject, or address when anonymous) is granted.</summary>
    public int PermitsPerSecond { get; set; } = 200;

    /// <summary>How many may come at once before the rate applies.</summary>
    public int Burst { get; set; } = 400;
}

/// <summary>
/// The built-in ASP.NET Core rate limiter, a token bucket per caller: one noisy client gets 429
/// problem+json with Retry-After and the others are not slowed. Health and the emulator are exempt.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddCallerRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("RateLimiting").Get<RateLimitingOptions>() ?? new RateLimitingOptions();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => IsExempt(http.Request.Path)
                ? RateLimitPartition.GetNoLimiter("exempt")
                : RateLimitPartition.GetTokenBucketLimiter(CallerOf(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.WriteAsync(http, StatusCodes.Status429TooManyRequests, Problems.TooManyRequests, "Too many requests; retry after the time in Retry-After");
            };
        });
        return services;
    }

    private static string CallerOf(HttpContext http) =>
        http.User.Identity?.Name is { } subject
            ? $"subject:{subject}"
            : $"address:{http.Connection.RemoteIpAddress}";

    private static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/emulator");
}
