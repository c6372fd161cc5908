using System.Net;
using System.Net.Http.Json;
using EventSourced.Infrastructure.Idempotency;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

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
    public async Task Responses_kept_longer_than_a_day_are_dropped_and_a_retry_then_finds_its_work_done()
    {
        var (old, recent) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var body = new { name = $"Oleg {old[..6]}", viber = "oleg" };
        var first = await PostAsync(_alice, old, body);
        await PostAsync(_alice, recent, new { name = $"Rita {recent[..6]}", viber = "rita" });
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        await AgeAsync(node, old, hours: 25);
        var count = await api.EventCountAsync();

        var dropped = await api.Services.GetRequiredService<IdempotencyKeysExpiry>().PurgeAsync(CancellationToken.None);

        dropped.Should().Be(1);
        (await KeptAsync(node, old), await KeptAsync(node, recent)).Should().Be((false, true));
        var retry = await PostAsync(_alice, old, body);
        retry.StatusCode.Should().Be(HttpStatusCode.Created);
        retry.Headers.Contains("Idempotent-Replayed").Should().BeFalse("the first response is gone");
        retry.Headers.Location.Should().Be(first.Headers.Location, "the contact's id comes from the key again");
        (await api.EventCountAsync()).Should().Be(count, "the contact was added by the first request");
    }

    [Fact]
    public async Task A_node_drops_responses_kept_too_long_as_it_starts_and_then_every_so_often()
    {
        var (before, after) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await PostAsync(_alice, before, new { name = $"Gleb {before[..6]}", viber = "gleb" });
        await PostAsync(_alice, after, new { name = $"Yana {after[..6]}", viber = "yana" });
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        await AgeAsync(node, before, hours: 2);
        var expiry = new IdempotencyKeysExpiry(
            new PostgresIdempotencyStore(node.DataSource, node.Options),
            Options.Create(new IdempotencyOptions { KeepFor = TimeSpan.FromHours(1), PurgeEvery = TimeSpan.FromMilliseconds(100) }),
            NullLogger<IdempotencyKeysExpiry>.Instance);
        await expiry.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(async () => !await KeptAsync(node, before), "the response aged before the start dropped");

            // Aged once a round has run: only a later round drops it.
            await AgeAsync(node, after, hours: 2);

            await Eventually.HoldsAsync(async () => !await KeptAsync(node, after), "the response aged since dropped");
        }
        finally
        {
            await expiry.StopAsync(CancellationToken.None);
        }
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

    private static Task AgeAsync(EventStoreNode node, string key, int hours) =>
        node.ExecuteAsync($"UPDATE es.idempotency_keys SET created_at = now() - interval '{hours} hours' WHERE key = '{key}'");

    private static async Task<bool> KeptAsync(EventStoreNode node, string key) =>
        await node.ScalarAsync($"SELECT count(*) FROM es.idempotency_keys WHERE key = '{key}'") > 0;

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body) => client.PostWithKeyAsync("/api/contacts", body, key);
}
