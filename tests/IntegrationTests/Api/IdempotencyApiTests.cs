using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class IdempotencyApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_first_response_and_appends_nothing()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = $"Artem {key[..6]}", viber = "artem" };
        var first = await PostAsync(_alice, key, body);
        var firstBody = await first.Content.ReadAsStringAsync();
        var count = await api.EventCountAsync();

        var retry = await PostAsync(_alice, key, body);

        retry.StatusCode.Should().Be(HttpStatusCode.Created);
        (await retry.Content.ReadAsStringAsync()).Should().Be(firstBody);
        retry.Headers.Location.Should().Be(first.Headers.Location);
        retry.Headers.ETag.Should().Be(first.Headers.ETag);
        retry.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        (await api.EventCountAsync()).Should().Be(count);
    }

    [Fact]
    public async Task A_retry_after_a_crash_before_the_response_was_stored_finds_its_work_done()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = $"Olga {key[..6]}", viber = "olga" };
        var first = await PostAsync(_alice, key, body);
        var count = await api.EventCountAsync();
        // The state a crash between the append and saving the response leaves behind.
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            await node.ExecuteAsync($"DELETE FROM es.idempotency_keys WHERE key = '{key}'");
        }

        var retry = await PostAsync(_alice, key, body);

        retry.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.Headers.Location.Should().Be(first.Headers.Location);
        (await api.EventCountAsync()).Should().Be(count);
    }

    [Fact]
    public async Task Reusing_a_key_for_a_different_request_is_a_422_and_appends_nothing()
    {
        var key = Guid.NewGuid().ToString();
        await PostAsync(_alice, key, new { name = $"Ivan {key[..6]}", viber = "ivan" });
        var count = await api.EventCountAsync();

        var other = await PostAsync(_alice, key, new { name = $"Petr {key[..6]}", viber = "petr" });

        await other.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:idempotency-conflict");
        (await api.EventCountAsync()).Should().Be(count);
    }

    [Fact]
    public async Task Keys_belong_to_their_owner()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = $"Anna {key[..6]}", viber = "anna" };
        var alices = await PostAsync(_alice, key, body);

        var bobs = await PostAsync(api.ClientFor("bob"), key, body);

        bobs.StatusCode.Should().Be(HttpStatusCode.Created);
        bobs.Headers.Contains("Idempotent-Replayed").Should().BeFalse();
        bobs.Headers.Location.Should().NotBe(alices.Headers.Location);
    }

    [Fact]
    public async Task An_overlong_key_is_a_400()
    {
        var response = await PostAsync(_alice, new string('k', 201), new { name = "X", viber = "x" });

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/contacts") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }
}
