using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// A node asked to stop (SIGTERM, as systemd and Kubernetes do) while chat clients hold its live
/// channels, a server-sent event stream, a Faye long poll and a Faye WebSocket. The host waits for
/// every request in flight up to its shutdown time-out, 30 s, which is also a Kubernetes pod's
/// default grace period before SIGKILL; so the node ends them at once, and the clients connect
/// again, to another node.
/// </summary>
public sealed class GracefulStopTests
{
    private static readonly (string, string)[] Identities = [("max", "manager")];

    [Fact]
    public async Task A_node_asked_to_stop_ends_its_live_channels_and_exits_well_within_the_hosts_shutdown_timeout()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = database.ConnectionString }, Identities);
        var max = node.ClientFor("max");
        using var events = await max.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/managers/live"), HttpCompletionOption.ResponseHeadersRead);
        events.StatusCode.Should().Be(HttpStatusCode.OK);
        using var stream = new StreamReader(await events.Content.ReadAsStreamAsync());
        using var socket = await FayeSocketHeldInConnectAsync(node);
        var longPoll = max.PostAsJsonAsync("/faye", new[] { new { channel = "/meta/connect", clientId = await HandshakeAsync(max), connectionType = "long-polling" } });

        var clock = Stopwatch.StartNew();
        await node.StopAsync().WaitAsync(Wait.Patience * 2);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the host would have waited 30 s for the live channels");
        (await stream.ReadToEndAsync().WaitAsync(Wait.Patience)).Should().NotContain("event:", "nothing happened; the stream just ended");
        (await EndedAsync(socket)).Should().BeTrue();
        await FluentActions.Awaiting(() => longPoll.WaitAsync(Wait.Patience)).Should().NotThrowAsync<TimeoutException>("the long poll was answered or cut, never left waiting");
    }

    private static async Task<string> HandshakeAsync(HttpClient client)
    {
        var reply = await (await client.PostAsJsonAsync("/faye", new[] { Handshake("long-polling") })).Content.ReadFromJsonAsync<JsonElement>();
        return reply[0].GetProperty("clientId").GetString()!;
    }

    private static object Handshake(string connectionType) =>
        new { channel = "/meta/handshake", version = "1.0", supportedConnectionTypes = new[] { connectionType }, ext = new { apiKey = ApiProcess.KeyOf("max") } };

    /// <summary>
    /// A WebSocket whose /meta/connect the node holds: a subscribe sent after it is answered, and
    /// the node reads a socket's frames in order, so the connect was read first.
    /// </summary>
    private static async Task<ClientWebSocket> FayeSocketHeldInConnectAsync(ApiProcess node)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{node.BaseAddress.Authority}/faye"), CancellationToken.None);
        await SendAsync(socket, new[] { Handshake("websocket") });
        var clientId = (await ReceiveAsync(socket))[0].GetProperty("clientId").GetString();
        await SendAsync(socket, new[] { new { channel = "/meta/connect", clientId, connectionType = "websocket" } });
        await SendAsync(socket, new[] { new { channel = "/meta/subscribe", clientId, subscription = "/managers" } });
        while ((await ReceiveAsync(socket))[0].GetProperty("channel").GetString() != "/meta/subscribe")
        {
        }

        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, object messages) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(messages), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Wait.Patience);
        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, received.Count)).RootElement;
    }

    /// <summary>Whether the node closed or dropped the socket (rather than leaving it open).</summary>
    private static async Task<bool> EndedAsync(ClientWebSocket socket)
    {
        try
        {
            var buffer = new byte[64 * 1024];
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Wait.Patience)).MessageType != WebSocketMessageType.Close)
            {
            }

            return true;
        }
        catch (WebSocketException)
        {
            return true;
        }
    }
}
