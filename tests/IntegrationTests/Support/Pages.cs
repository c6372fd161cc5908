using System.Net;
using System.Text.Json;

namespace EventSourced.IntegrationTests.Support;

/// <summary>A list read over HTTP page by page, each page from the last row of the one before.</summary>
public static class Pages
{
    // A cursor that does not move would page for ever: five pages are more than any test lists.
    private const int Most = 5;

    /// <summary>Reads pages of <paramref name="size"/> until one is short.</summary>
    /// <param name="pageUrl">A page's URL, given the last row of the page before (null for the first).</param>
    public static async Task<List<List<JsonElement>>> ReadAsync(HttpClient client, int size, Func<JsonElement?, string> pageUrl)
    {
        var pages = new List<List<JsonElement>>();
        JsonElement? last = null;
        do
        {
            var page = (await (await client.GetAsync(pageUrl(last))).JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
            pages.Add(page);
            last = page.Count == size ? page[^1] : null;
        }
        while (last is not null && pages.Count < Most);
        return pages;
    }
}
