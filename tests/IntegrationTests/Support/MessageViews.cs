using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventSourced.IntegrationTests.Support;

public static class MessageViews
{
    /// <summary>Whether the message's read model shows every delivery delivered (false while it is not there yet).</summary>
    public static async Task<bool> AllDeliveredAsync(HttpClient client, IEnumerable<Guid> messages)
    {
        foreach (var id in messages)
        {
            using var response = await client.GetAsync($"/api/messages/{id}");
            if (response.StatusCode != HttpStatusCode.OK
                || (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveries").EnumerateArray().Any(d => d.GetProperty("status").GetString() != "delivered"))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What the read model shows of each message not all delivered, for a failure to say.</summary>
    public static async Task<string> UndeliveredAsync(HttpClient client, IEnumerable<Guid> messages)
    {
        var seen = new List<string>();
        foreach (var id in messages)
        {
            using var response = await client.GetAsync($"/api/messages/{id}");
            var statuses = response.StatusCode == HttpStatusCode.OK
                ? string.Join(", ", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("status").GetString()))
                : $"{(int)response.StatusCode}";
            if (statuses != "delivered")
            {
                seen.Add($"{id}: {statuses}");
            }
        }

        return string.Join("; ", seen);
    }
}
