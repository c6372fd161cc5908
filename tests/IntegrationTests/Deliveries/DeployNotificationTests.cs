using System.Net;
using System.Net.Http.Json;
using EventSourced.Api.Emulator;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>Reported deploys notify their handlers through the delivery saga, and the polling source reports what the platform shows.</summary>
public sealed class DeployNotificationTests(DeliveryApi api) : IClassFixture<DeliveryApi>
{
    private readonly HttpClient _ci = api.ClientFor("ci");

    [Fact]
    public async Task A_deploy_with_two_handlers_and_two_ticket_keys_comments_on_each_ticket_and_writes_to_the_chat()
    {
        var version = $"v{Guid.NewGuid():N}"[..12];
        var recorded = await (await _ci.PostAsJsonAsync("/api/deploys", new
        {
            application = "rasp",
            environment = "production",
            version,
            status = "deployed",
            comment = "Fixes RASP-1 and RASP-22",
            handlers = new[] { "tracker", "telegram" },
        })).JsonAsync(HttpStatusCode.Accepted);
        recorded.GetProperty("ticketKeys").EnumerateArray().Select(k => k.GetString()).Should().Equal("RASP-1", "RASP-22");

        await Eventually.HoldsAsync(async () => (await SentAsync(version)).Count == 3, "two tracker comments and a chat message");

        var sent = await SentAsync(version);
        sent.Where(r => r.Endpoint == "tracker").Select(r => (r.Recipient, r.Text)).Should().BeEquivalentTo(new[]
        {
            ("RASP-1", $"rasp {version} is deployed in production.\n\nFixes RASP-1 and RASP-22"),
            ("RASP-22", $"rasp {version} is deployed in production.\n\nFixes RASP-1 and RASP-22"),
        });
        sent.Where(r => r.Endpoint == "telegram").Select(r => (r.Recipient, r.Text)).Should().Equal(
            ("-1001", $"rasp@{version} is deployed in production #RASP-1 #RASP-22"));
        (await api.Emulator.ReceivedAsync("loadtest")).Should().NotContain(r => r.Text.Contains(version), "the load test was not asked for");
    }

    [Fact]
    public async Task Notifications_to_one_ticket_go_out_in_the_order_the_deploys_were_reported_the_later_waiting_for_the_earliers_retry()
    {
        var version = $"v{Guid.NewGuid():N}"[..12];
        var ticket = $"ORDER-{Random.Shared.Next(100_000, 999_999)}";
        // The emulator throttles the first comment once ("[busy]": 429, Retry-After: 3 s): sent
        // side by side, the second report's comment would reach the ticket first.
        foreach (var (status, comment) in new[] { ("deploying", $"{ticket} [busy]"), ("deployed", ticket) })
        {
            (await _ci.PostAsJsonAsync("/api/deploys", new { application = "rasp", environment = "production", version, status, comment, handlers = new[] { "tracker" } }))
                .StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        await Eventually.HoldsAsync(async () => (await SentAsync(version)).Count(r => r.Status == 200) == 2, "both comments on the ticket");

        var comments = (await SentAsync(version)).OrderBy(r => r.Sequence).Select(r => (r.Status, Said: r.Text.Contains("deploying") ? "deploying" : "deployed"));
        comments.Should().Equal((429, "deploying"), (200, "deploying"), (200, "deployed"));
    }

    [Fact]
    public async Task The_polling_source_records_each_change_of_an_environments_status_once_and_triggers_its_load_test()
    {
        await api.Emulator.SetEnvironmentAsync("shop.api.testing", "DEPLOYING", "7");
        await UntilDeploysAsync("shop.api", 1);
        await api.Emulator.SetEnvironmentAsync("shop.api.testing", "DEPLOYED", "7", "RASP-5 done");
        await UntilDeploysAsync("shop.api", 2);
        await Eventually.HoldsAsync(async () => (await api.Emulator.ReceivedAsync("loadtest")).Count(r => r.Recipient == "shop.api") == 2, "a load test per change");

        // Polls after another environment changed still find nothing new for this one.
        await api.Emulator.SetEnvironmentAsync("other.app.testing", "DEPLOYED", "1");
        await UntilDeploysAsync("other.app", 1);
        var timeline = await DeploysAsync("shop.api");
        timeline.Select(d => (d.GetProperty("version").GetString(), d.GetProperty("status").GetString(), d.GetProperty("source").GetString()))
            .Should().Equal(("7", "deployed", "poll"), ("7", "deploying", "poll"));
        (await api.Emulator.ReceivedAsync("loadtest")).Count(r => r.Recipient == "shop.api").Should().Be(2);
    }

    private async Task<List<EmulatedRequest>> SentAsync(string version) => [.. (await api.Emulator.ReceivedAsync()).Where(r => r.Text.Contains(version))];

    private Task UntilDeploysAsync(string application, int count) =>
        Eventually.HoldsAsync(async () => (await DeploysAsync(application)).Count == count, $"{count} deploy(s) of {application}");

    private async Task<List<System.Text.Json.JsonElement>> DeploysAsync(string application)
    {
        var response = await api.ClientFor("ops").GetAsync($"/api/deploys?application={application}");
        // On a fresh store the read model answers 503 until it exists: nothing to see yet.
        return response.StatusCode == HttpStatusCode.ServiceUnavailable ? [] : [.. (await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray()];
    }
}
