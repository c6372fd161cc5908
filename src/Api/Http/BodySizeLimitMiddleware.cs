namespace EventSourced.Api.Http;

/// <summary>
/// Refuses a body declared larger than <see cref="HttpApiExtensions.MaxRequestBodyBytes"/> with a
/// 413 problem before anything reads it. Kestrel's own limit (set to the same size) stops a
/// chunked body that grows past it while being read.
/// </summary>
public sealed class BodySizeLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > HttpApiExtensions.MaxRequestBodyBytes)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, Problems.BadRequest, "The request body is too large",
                $"Bodies are limited to {HttpApiExtensions.MaxRequestBodyBytes / 1024} KiB.");
            return;
        }

        await next(context);
    }
}
