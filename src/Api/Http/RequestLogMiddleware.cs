using System.Diagnostics;

namespace EventSourced.Api.Http;

/// <summary>
/// One line per request, at Information: method, path, status, duration and correlation id. The
/// framework's own per-request lines (several each, at Information) and HttpClient's per-step
/// lines are left at Warning in appsettings, so the console shows requests and the service's own events.
/// </summary>
public sealed partial class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var path = context.Request.Path.Value ?? "/";
            LogRequest(logger, context.Request.Method, path, context.Response.StatusCode, elapsedMs, context.Items[CorrelationMiddleware.CorrelationHeader] as string);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {Status} in {ElapsedMs:F1} ms (correlation {CorrelationId})")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double elapsedMs, string? correlationId);
}
