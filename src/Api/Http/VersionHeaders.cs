using System.Globalization;

namespace EventSourced.Api.Http;

/// <summary>A resource's revision travels as a strong ETag ("3") and comes back in If-Match.</summary>
public static class VersionHeaders
{
    public static void SetETag(HttpResponse response, long version) =>
        response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The revision in If-Match, null without one; a malformed value is a bad request.</summary>
    public static long? IfMatch(HttpRequest request)
    {
        var raw = request.Headers.IfMatch.ToString();
        if (raw.Length == 0)
        {
            return null;
        }

        return long.TryParse(raw.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new BadHttpRequestException("If-Match must carry an ETag returned by the API, such as \"3\".");
    }
}
