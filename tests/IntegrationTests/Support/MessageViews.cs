using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventSourced.IntegrationTests.Support;

public static class MessageViews
{
    /// <summary>Whether the message's read model shows every delivery delivered (false while it is not there yet).</summary>
    public static async Task<bool> AllDeliveredAsync(HttpClient client, IEnumerable<Guid> messages) => (await UndeliveredAsync(client, messages)).Count == 0;

    /// <summary>What the read model shows of each message not all delivered: its deliveries' statuses, or the status code it answered.</summary>
    public static async Task<IReadOnlyList<string>> UndeliveredAsync(HttpClient client, IEnumerable<Guid> messages)
    {
        var seen = new List<string>();
        foreach (var id in messages)
        {
            using var response = await client.GetAsync($"/api/messages/{id}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                seen.Add($"{id}: {(int)response.StatusCode}");
                continue;
            }

            var statuses = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("status").GetString()).ToList();
            if (statuses.Any(status => status != "delivered"))
            {
                seen.Add($"{id}: {string.Join(", ", statuses)}");
            }
        }

        return seen;
    }
}
