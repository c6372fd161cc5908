using Microsoft.AspNetCore.Mvc;

namespace EventSourced.Api.Http;

/// <summary>
/// Refuses a body declared larger than <see cref="HttpApiExtensions.MaxRequestBodyBytes"/> with a
/// 413 problem before anything reads it. Kestrel's own limit (set to the same size) stops a
/// chunked body that grows past it while being read.
/// </summary>
public sealed class BodySizeLimitMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > HttpApiExtensions.MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Type = Problems.BadRequest,
                    Title = "The request body is too large",
                    Detail = $"Bodies are limited to {HttpApiExtensions.MaxRequestBodyBytes / 1024} KiB.",
                },
            });
            return;
        }

        await next(context);
    }
}
