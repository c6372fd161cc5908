using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Domain.Messages;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// After a messenger's outage, an operator sends again what failed on it during the outage, for
/// every owner at once, and nothing else (a store of its own: the filters see every owner's queue).
/// </summary>
public sealed class OutageRedeliveryTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private static readonly DateTimeOffset OutageBegan = new(2026, 12, 5, 2, 0, 0, TimeSpan.Zero);

    private readonly HttpClient _ops = api.ClientFor("ops");

    // The last write's position: lists wait until they include it.
    private long _position;

    [Fact]
    public async Task An_operator_redelivers_every_owners_deliveries_that_failed_on_one_messenger_since_the_outage_began_and_no_others()
    {
        // Alice's Telegram and Viber deliveries failed during the outage; of Bob's two Viber ones, one failed before it.
        var (aliceMessage, aliceTelegram, aliceViber) = await FailBothAsync("alice", OutageBegan.AddMinutes(10), OutageBegan.AddMinutes(20));
        var (_, _, bobBefore) = await FailBothAsync("bob", OutageBegan.AddMinutes(-30), OutageBegan.AddMinutes(-30));
        var (bobMessage, _, bobDuring) = await FailBothAsync("bob", OutageBegan.AddMinutes(-40), OutageBegan.AddMinutes(30));
        var since = Uri.EscapeDataString(OutageBegan.ToString("O"));
        var everyFailed = await ListAsync("");

        (await ListAsync($"&channel=viber&failedSince={since}")).Should().Equal(aliceViber, bobDuring);
        (await ListAsync($"&channel=Viber&owner=bob")).Should().Equal(bobBefore, bobDuring);
        var (listed, lines) = await OperatorCli.RunAsync(api.Database.ConnectionString, "deliveries", "failed", "--channel", "viber", "--failed-since", OutageBegan.ToString("O"));
        (listed, lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("deliveryId").GetGuid()))
            .Should().BeEquivalentTo((0, new[] { aliceViber, bobDuring }), "the command line lists what the API does");

        // Refused, and nothing done: an unknown messenger; deliveries named without their owner.
        var events = await api.EventCountAsync();
        await (await _ops.GetAsync("/api/admin/deliveries/failed?channel=pigeon")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await _ops.PostAsJsonAsync("/api/admin/deliveries/failed/redeliver", new { all = true, channel = "pigeon" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await _ops.PostAsJsonAsync("/api/admin/deliveries/failed/redeliver", new { deliveryIds = new[] { aliceViber } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await api.ClientFor("alice").PostAsJsonAsync("/api/admin/deliveries/failed/redeliver", new { all = true, channel = "viber" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        (await OperatorCli.RunAsync(api.Database.ConnectionString, "deliveries", "discard", "--delivery", aliceViber.ToString())).Code.Should().Be(2, "--owner is needed with --delivery");
        (await api.EventCountAsync()).Should().Be(events);

        var redelivered = await (await _ops.PostAsJsonAsync("/api/admin/deliveries/failed/redeliver", new { all = true, channel = "viber", failedSince = OutageBegan }))
            .JsonAsync(HttpStatusCode.OK);

        redelivered.GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().BeEquivalentTo([aliceViber, bobDuring]);
        _position = redelivered.GetProperty("position").GetInt64();
        // The messages are appended to side by side: the answer names the later append, which a list must wait for.
        var requested = new List<long>();
        foreach (var message in new[] { aliceMessage, bobMessage })
        {
            requested.AddRange((await api.StreamAsync($"message-{message}")).Where(e => e.Type == "delivery_redelivery_requested").Select(e => e.Position));
        }

        requested.Should().HaveCount(2).And.Contain(_position).And.OnlyContain(p => p <= _position);
        (await ListAsync("")).Should().Equal(everyFailed.Except([aliceViber, bobDuring]), "the others stay failed")
            .And.Contain([aliceTelegram, bobBefore]);
    }

    /// <summary>A message of the owner's to a new contact on Telegram and Viber, both deliveries failed at the moments given.</summary>
    private async Task<(Guid Message, Guid Telegram, Guid Viber)> FailBothAsync(string owner, DateTimeOffset telegramFailed, DateTimeOffset viberFailed)
    {
        var client = api.ClientFor(owner);
        var name = $"Outage {Guid.NewGuid():N}"[..16];
        (await client.PostAsJsonAsync("/api/contacts", new { name, telegram = "@outage_user", viber = "outage-viber" })).EnsureSuccessStatusCode();
        var id = (await (await client.PostAsJsonAsync("/api/messages", new { text = "During the outage", contactNames = new[] { name } }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var deliveries = (await api.StreamAsync($"message-{id}")).Select(e => JsonDocument.Parse(e.Data).RootElement).Single().GetProperty("deliveries");
        var (telegram, viber) = (deliveries[0].GetProperty("deliveryId").GetGuid(), deliveries[1].GetProperty("deliveryId").GetGuid());
        _position = await DeliveryFailures.AppendAsync(api.Database.ConnectionString, id,
            new DeliveryAttempted(id, telegram, 1, telegramFailed), new DeliveryFailed(id, telegram, 1, "502 Bad Gateway", false, telegramFailed),
            new DeliveryAttempted(id, viber, 1, viberFailed), new DeliveryFailed(id, viber, 1, "502 Bad Gateway", false, viberFailed));
        return (id, telegram, viber);
    }

    private async Task<IReadOnlyList<Guid>> ListAsync(string query)
    {
        var rows = await (await _ops.GetAsync($"/api/admin/deliveries/failed?limit=1000&minPosition={_position}{query}")).JsonAsync(HttpStatusCode.OK);
        return [.. rows.EnumerateArray().Select(r => r.GetProperty("deliveryId").GetGuid())];
    }
}
