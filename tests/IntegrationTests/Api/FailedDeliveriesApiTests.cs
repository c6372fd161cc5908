using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Domain.Messages;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>The failed queue is read from the delivery events in each message's stream (here appended as the delivery saga appends them).</summary>
public sealed class FailedDeliveriesApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task A_delivery_that_gave_up_is_listed_with_its_text_contact_channel_attempts_and_error_for_its_owner_only()
    {
        var name = $"Failing {Guid.NewGuid():N}"[..16];
        await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@failing_user", viber = "failing" });
        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors open at 18:00", contactNames = new[] { name } }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var deliveries = (await api.StreamAsync($"message-{id}")).Select(e => JsonDocument.Parse(e.Data).RootElement).Single().GetProperty("deliveries");
        var (telegram, viber) = (deliveries[0].GetProperty("deliveryId").GetGuid(), deliveries[1].GetProperty("deliveryId").GetGuid());
        var now = DateTimeOffset.UtcNow;

        var position = await AppendAsync(id,
            new DeliveryAttempted(id, telegram, 1, now), new DeliverySucceeded(id, telegram, 1, "tg-1", now),
            new DeliveryAttempted(id, viber, 1, now), new DeliveryAttemptFailed(id, viber, 1, "503 Service Unavailable", now.AddSeconds(1), now),
            new DeliveryAttempted(id, viber, 2, now), new DeliveryFailed(id, viber, 2, "503 Service Unavailable", false, now));

        var failed = await (await _alice.GetAsync($"/api/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        var message = await (await _alice.GetAsync($"/api/messages/{id}")).JsonAsync(HttpStatusCode.OK);

        var row = failed.EnumerateArray().Single(r => r.GetProperty("messageId").GetGuid() == id);
        row.GetProperty("deliveryId").GetGuid().Should().Be(viber);
        row.GetProperty("text").GetString().Should().Be("Doors open at 18:00");
        row.GetProperty("contactName").GetString().Should().Be(name);
        row.GetProperty("channel").GetString().Should().Be("viber");
        row.GetProperty("attempts").GetInt32().Should().Be(2);
        row.GetProperty("lastError").GetString().Should().Be("503 Service Unavailable");
        message.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("status").GetString()).Should().BeEquivalentTo("delivered", "failed");
        var progress = message.GetProperty("message").GetProperty("progress");
        new[] { "total", "delivered", "failed", "pending", "cancelled", "discarded" }.Select(p => progress.GetProperty(p).GetInt32()).Should().Equal(2, 1, 1, 0, 0, 0);
        (await (await api.ClientFor("bob").GetAsync($"/api/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK))
            .EnumerateArray().Should().NotContain(r => r.GetProperty("messageId").GetGuid() == id);
        await (await _alice.GetAsync("/api/deliveries/failed?limit=0")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_operator_sees_every_owners_failed_deliveries_and_redelivers_one_for_its_owner_and_a_user_cannot()
    {
        var name = $"Ops {Guid.NewGuid():N}"[..16];
        var vera = api.ClientFor("vera");
        var ops = api.ClientFor("ops");
        await vera.PostAsJsonAsync("/api/contacts", new { name, viber = "ops-failing" });
        var id = (await (await vera.PostAsJsonAsync("/api/messages", new { text = "Seen by ops", contactNames = new[] { name } }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var delivery = (await api.StreamAsync($"message-{id}")).Select(e => JsonDocument.Parse(e.Data).RootElement).Single().GetProperty("deliveries")[0].GetProperty("deliveryId").GetGuid();
        var now = DateTimeOffset.UtcNow;
        var position = await AppendAsync(id, new DeliveryAttempted(id, delivery, 1, now), new DeliveryFailed(id, delivery, 1, "400 Bad Request", true, now));

        var all = await (await ops.GetAsync($"/api/admin/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        var row = all.EnumerateArray().Single(r => r.GetProperty("deliveryId").GetGuid() == delivery);
        row.GetProperty("sender").GetString().Should().Be("vera");
        await (await vera.GetAsync("/api/admin/deliveries/failed")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await ops.PostAsJsonAsync("/api/admin/deliveries/failed/redeliver", new { deliveryIds = new[] { delivery } })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        var redelivered = await (await ops.PostAsJsonAsync("/api/admin/deliveries/failed/redeliver", new { owner = "vera", deliveryIds = new[] { delivery } })).JsonAsync(HttpStatusCode.OK);

        redelivered.GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().Equal(delivery);
        var after = await (await ops.GetAsync($"/api/admin/deliveries/failed?owner=vera&minPosition={redelivered.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        after.EnumerateArray().Should().NotContain(r => r.GetProperty("deliveryId").GetGuid() == delivery);

        // Failed again, then dropped with the rest of vera's queue.
        var failedAgain = await AppendAsync(id, new DeliveryAttempted(id, delivery, 1, now), new DeliveryFailed(id, delivery, 1, "400 Bad Request", true, now));
        await (await ops.GetAsync($"/api/admin/deliveries/failed?owner=vera&minPosition={failedAgain}")).JsonAsync(HttpStatusCode.OK);
        var discarded = await (await ops.PostAsJsonAsync("/api/admin/deliveries/failed/discard", new { owner = "vera", all = true })).JsonAsync(HttpStatusCode.OK);
        discarded.GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().Contain(delivery);
        var message = await (await vera.GetAsync($"/api/messages/{id}?minPosition={discarded.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        message.GetProperty("message").GetProperty("progress").GetProperty("discarded").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task A_page_after_the_last_delivery_listed_stays_put_when_deliveries_before_it_are_sent_again()
    {
        var vlad = api.ClientFor("vlad");
        var names = Enumerable.Range(0, 3).Select(i => $"Paged {i} {Guid.NewGuid():N}"[..20]).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            (await vlad.PostAsJsonAsync("/api/contacts", new { name = names[i], viber = $"paged-{i}" })).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var id = (await (await vlad.PostAsJsonAsync("/api/messages", new { text = "Paged", contactNames = names })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var deliveries = (await api.StreamAsync($"message-{id}")).Select(e => JsonDocument.Parse(e.Data).RootElement).Single().GetProperty("deliveries")
            .EnumerateArray().Select(d => d.GetProperty("deliveryId").GetGuid()).ToList();
        // Failed a second apart, so that the queue's order is theirs.
        var now = DateTimeOffset.UtcNow;
        var position = await AppendAsync(id, [.. deliveries.SelectMany((d, i) => new IMessageEvent[]
        {
            new DeliveryAttempted(id, d, 1, now.AddSeconds(i)), new DeliveryFailed(id, d, 1, "400 Bad Request", true, now.AddSeconds(i)),
        })]);
        var first = (await (await vlad.GetAsync($"/api/deliveries/failed?limit=2&minPosition={position}")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        first.Select(r => r.GetProperty("deliveryId").GetGuid()).Should().Equal(deliveries[0], deliveries[1]);

        var redelivered = await (await vlad.PostAsJsonAsync("/api/deliveries/failed/redeliver", new { deliveryIds = new[] { deliveries[0] } })).JsonAsync(HttpStatusCode.OK);
        var last = first[^1];
        var cursor = $"afterFailedAt={Uri.EscapeDataString(last.GetProperty("failedAt").GetString()!)}&afterId={last.GetProperty("deliveryId").GetGuid()}";
        var next = await (await vlad.GetAsync($"/api/deliveries/failed?limit=2&{cursor}&minPosition={redelivered.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        var byOperator = await (await api.ClientFor("ops").GetAsync($"/api/admin/deliveries/failed?owner=vlad&limit=2&{cursor}")).JsonAsync(HttpStatusCode.OK);

        next.EnumerateArray().Select(r => r.GetProperty("deliveryId").GetGuid()).Should().Equal([deliveries[2]], "an offset of 2 would now skip it");
        byOperator.EnumerateArray().Select(r => r.GetProperty("deliveryId").GetGuid()).Should().Equal(deliveries[2]);
    }

    private Task<long> AppendAsync(Guid messageId, params IMessageEvent[] events) => DeliveryFailures.AppendAsync(api.Database.ConnectionString, messageId, events);
}
