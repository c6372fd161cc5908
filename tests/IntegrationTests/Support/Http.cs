using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Support;

public static class Http
{
    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Asserts an RFC 9457 problem with this status (and type, if given) and returns its body.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().Should().Be((int)status);
        if (type is not null)
        {
            problem.GetProperty("type").GetString().Should().Be(type);
        }

        return problem;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A POST of JSON with an Idempotency-Key, as a client that may retry sends it.</summary>
    public static async Task<HttpResponseMessage> PostWithKeyAsync(this HttpClient client, string path, object body, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>The ids of a list the query answers with 200, in its order.</summary>
    public static async Task<List<Guid>> IdsAsync(this HttpClient client, string query) =>
        [.. (await (await client.GetAsync(query)).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Select(item => item.GetProperty("id").GetGuid())];
}
