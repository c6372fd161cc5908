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
            var items = (await (await client.GetAsync($"/api/contacts?page={page}&pageSize={PageSize}&minPosition={minPosition}")).JsonAsync(HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().ToList();
            all.AddRange(items);
            if (items.Count < PageSize)
            {
                return all;
            }
        }
    }
}
