using EventSourced.Application.Commands;

namespace EventSourced.Api.Http;

/// <summary>
/// Takes X-Correlation-Id and X-Causation-Id from the request (or starts a new correlation),
/// echoes the correlation id in the response, and offers both to command endpoints.
/// </summary>
public sealed class CorrelationMiddleware(RequestDelegate next)
{
    public const string CorrelationHeader = "X-Correlation-Id";
    public const string CausationHeader = "X-Causation-Id";
    private const int MaxIdLength = 128;

    public Task InvokeAsync(HttpContext context)
    {
        var correlationId = Header(context, CorrelationHeader) ?? Guid.CreateVersion7().ToString();
        context.Items[CorrelationHeader] = correlationId;
        // Set as the response starts, so that it survives the exception handler clearing headers.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationHeader] = correlationId;
            return Task.CompletedTask;
        });
        return next(context);
    }

    public static CommandContext CommandContextOf(HttpContext context) => new(
        Actor: context.User.Identity?.Name ?? "anonymous",
        CorrelationId: (string)context.Items[CorrelationHeader]!,
        CausationId: Header(context, CausationHeader));

    // Ids longer than this or with control characters are ignored rather than stored.
    private static string? Header(HttpContext context, string name)
    {
        var value = context.Request.Headers[name].ToString();
        return value.Length is > 0 and <= MaxIdLength && !value.Any(char.IsControl) ? value : null;
    }
}
