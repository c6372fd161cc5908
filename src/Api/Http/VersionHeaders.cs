using System.Globalization;

namespace EventSourced.Api.Http;

/// <summary>A stream version travels as a strong ETag ("3").</summary>
public static class VersionHeaders
{
    public static void SetETag(HttpResponse response, long version) =>
        response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

}
