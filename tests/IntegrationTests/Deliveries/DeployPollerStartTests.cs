using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>
/// The development run polls the deploy platform's emulator in its own host. Its first poll came
/// while the host was still starting, was refused, and logged a warning with a stack trace at
/// every start. The poller now waits for the host to listen.
/// </summary>
public sealed class DeployPollerStartTests
{
    [Fact]
    public async Task A_node_polling_its_own_emulator_logs_no_refused_poll_at_start()
    {
        await using var database = await TestDatabase.CreateAsync();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:EventStore"] = database.ConnectionString,
            ["Emulator:Enabled"] = "true",
            ["Deploys:Polling:Url"] = $"{ApiProcess.Self}emulator/platform/environments",
            ["Deploys:Polling:Interval"] = "00:00:00.200",
        };
        await using var node = await ApiProcess.StartAsync(settings, [("ops", "operator")]);
        using var anonymous = new HttpClient { BaseAddress = node.BaseAddress, Timeout = Wait.Patience };
        (await anonymous.PutAsJsonAsync("/emulator/platform/environments/shop.api.testing", new { status = "DEPLOYED", version = "7" })).EnsureSuccessStatusCode();

        // A poll went through once its deploy is on the timeline.
        using var ops = node.ClientFor("ops");
        await Eventually.HoldsAsync(
            async () =>
            {
                var response = await ops.GetAsync("/api/deploys?application=shop.api");
                return response.StatusCode == HttpStatusCode.OK && (await response.JsonAsync(HttpStatusCode.OK)).GetArrayLength() == 1;
            },
            "the polled deploy on the timeline");

        node.Output.Should().NotContain(line => line.Contains("could not be read", StringComparison.Ordinal), string.Join('\n', node.Output));
    }
}
