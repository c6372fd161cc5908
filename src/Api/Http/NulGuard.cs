using System.Text;

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

        // Bodies are small (BodySizeLimitMiddleware runs first), so reading one twice costs little.
        request.EnableBuffering();
        using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        return HasEscapedNul(body);
    }

    /// <summary>A \u0000 escape: "\u0000" preceded by an even run of backslashes (an odd one escapes the first backslash).</summary>
    internal static bool HasEscapedNul(string json)
    {
        for (var at = json.IndexOf("u0000", StringComparison.OrdinalIgnoreCase); at > 0; at = json.IndexOf("u0000", at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var backslashes = 0;
            for (var i = at - 1; i >= 0 && json[i] == '\\'; i--)
            {
                backslashes++;
            }

            if (backslashes % 2 == 1)
            {
                return true;
            }
        }

        return false;
    }
}
