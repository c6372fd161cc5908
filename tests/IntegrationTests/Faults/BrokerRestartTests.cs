using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Faults;

[Collection(SharedServiceRestarts.Name)]
public sealed class BrokerRestartTests
{
    private static readonly (string, string)[] Identities = [("alice", "user")];

    [SkippableFact]
    public async Task Deliveries_accepted_around_a_RabbitMQ_restart_all_go_out_once()
    {
        Skip.If(Environment.UserName != "root", "stopping RabbitMQ needs root (scripts/test.sh runs as root in CI)");
        await using var database = await TestDatabase.CreateAsync();
        await using var emulator = await EmulatorServer.StartAsync();
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:EventStore"] = database.ConnectionString,
            ["ConnectionStrings:RabbitMq"] = RabbitMq.Uri(RabbitMq.VirtualHostOf(database)),
            ["Deliveries:Enabled"] = "true",
            ["Deliveries:Transport"] = "RabbitMq",
            ["Deliveries:PollInterval"] = "00:00:00.050",
            ["Deliveries:BaseDelay"] = "00:00:00.050",
            ["Deliveries:AttemptTimeout"] = "00:00:05",
            ["Deliveries:RedispatchAfter"] = "00:00:02",
            ["Messengers:Telegram:BaseUrl"] = emulator.Endpoint("telegram").ToString(),
            ["Messengers:Telegram:Token"] = "broker-test",
        }, Identities);
        var alice = api.ClientFor("alice");
        var messages = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            messages.Add(await ScheduleAsync(alice, $"Before {i}"));
        }

        // Stopped only once the bus is connected: stopped while MassTransit still starts, the bus
        // may not report anything amiss.
        await Eventually.HoldsAsync(async () => (await alice.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "readiness with the broker connected");
        RabbitMq.StopBroker();
        try
        {
            // Commands do not need the broker: these are accepted while it is away.
            for (var i = 0; i < 10; i++)
            {
                messages.Add(await ScheduleAsync(alice, $"During {i}"));
            }

            // Readiness includes the transport, and says it is the broker that is away.
            await Eventually.HoldsAsync(async () => await BrokerReportedAwayAsync(alice), "readiness to report the broker away");
        }
        finally
        {
            RabbitMq.StartBroker();
        }

        // MassTransit reconnects its receive endpoints with a growing backoff (seen: 6, 9, then 14 s),
        // so the deliveries may resume half a minute after the broker is back.
        await Eventually.HoldsAsync(() => MessageViews.AllDeliveredAsync(alice, messages), "every delivery, before and during the outage, to go out", Wait.Scaled(TimeSpan.FromSeconds(90)));
        var sent = (await emulator.ReceivedAsync("telegram")).Where(r => r.Status == 200).ToList();
        sent.Should().HaveCount(messages.Count);
        sent.GroupBy(r => r.IdempotencyKey).Should().OnlyContain(g => g.Count() == 1);
    }

    private static async Task<bool> BrokerReportedAwayAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        var report = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return response.StatusCode == HttpStatusCode.ServiceUnavailable
            && report.GetProperty("checks").TryGetProperty("rabbitmq-broker", out var broker) && broker.GetProperty("status").GetString() == "Unhealthy";
    }

    private static async Task<Guid> ScheduleAsync(HttpClient client, string name)
    {
        await (await client.PostAsJsonAsync("/api/contacts", new { name, telegram = $"@{name.Replace(' ', '_')}" })).JsonAsync(HttpStatusCode.Created);
        var accepted = await (await client.PostAsJsonAsync("/api/messages", new { text = $"Hi {name}", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted);
        return accepted.GetProperty("id").GetGuid();
    }
}
