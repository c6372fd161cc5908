namespace EventSourced.Api.Http;

/// <summary>
/// Text may not hold the NUL character: PostgreSQL stores it neither in text nor in jsonb, so it
/// would fail deep inside a command. It is refused here, before anything binds the request: in
/// the path, the query string, and JSON bodies (where it can only arrive escaped, as \u0000).
/// </summary>
public sealed class NulGuardMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var nul = (request.Path.Value ?? "").Contains('\0', StringComparison.Ordinal)
            || request.Query.Any(q => q.Key.Contains('\0', StringComparison.Ordinal) || q.Value.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
            || await JsonBodyHasNulAsync(request);
        if (!nul)
        {
            await next(context);
            return;
        }

        await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, Problems.BadRequest, "Text may not contain the NUL character");
    }

    private static async Task<bool> JsonBodyHasNulAsync(HttpRequest request)
    {
        if (request.ContentLength is 0 || request.HasJsonContentType() is false)
        {
            return false;
        }

        // Bodies are small (BodySizeLimitMiddleware runs first): searched as bytes, then read again by the binder.
        request.EnableBuffering();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        return HasEscapedNul(body.GetBuffer().AsSpan(0, (int)body.Length));
    }

    /// <summary>A \u0000 escape: "u0000" right after an odd run of backslashes (an even run is escaped backslashes).</summary>
    internal static bool HasEscapedNul(ReadOnlySpan<byte> json)
    {
        var offset = 0;
        while (json[offset..].IndexOf("u0000"u8) is var found and >= 0)
        {
            var at = offset + found;
            var backslashes = 0;
            for (var i = at - 1; i >= 0 && json[i] == (byte)'\\'; i--)
            {
                backslashes++;
            }

            if (backslashes % 2 == 1)
            {
                return true;
            }

            offset = at + 1;
        }

        return false;
    }
}
