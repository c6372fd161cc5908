using System.Net;
using System.Text.Json;

namespace EventSourced.IntegrationTests.Support;

public static class ContactPages
{
    private const int PageSize = 500;

    /// <summary>Every contact of the caller's list, page after page, once the read model has reached <paramref name="minPosition"/>.</summary>
    public static async Task<List<JsonElement>> AllAsync(HttpClient client, long minPosition)
    {
        var all = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var items = (await PageAsync(client, page, minPosition)).GetProperty("items").EnumerateArray().ToList();
            all.AddRange(items);
            if (items.Count < PageSize)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// One page, once the caller's request budget allows it: a test that read right after a load of
    /// the caller's own commands met the rate limit's 429, as any client would, and waits as one.
    /// </summary>
    private static async Task<JsonElement> PageAsync(HttpClient client, int page, long minPosition)
    {
        JsonElement body = default;
        await Eventually.HoldsAsync(
            async () =>
            {
                var response = await client.GetAsync($"/api/contacts?page={page}&pageSize={PageSize}&minPosition={minPosition}");
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    return false;
                }

                body = await response.JsonAsync(HttpStatusCode.OK);
                return true;
            },
            $"page {page} of the contacts within the caller's request budget");
        return body;
    }
}
