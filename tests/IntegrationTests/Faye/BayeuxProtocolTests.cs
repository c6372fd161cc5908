using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using EventSourced.Api.Faye;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Faye;

/// <summary>What /faye answers to what the stock client does not try: no credentials, a publish, a client id it does not know, an idle client.</summary>
public sealed class BayeuxProtocolTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task A_handshake_without_credentials_is_refused_and_a_client_never_publishes()
    {
        var anonymous = await ExchangeAsync(new { channel = "/meta/handshake", version = "1.0", supportedConnectionTypes = new[] { "long-polling" }, id = "1" });
        anonymous.GetProperty("successful").GetBoolean().Should().BeFalse();
        anonymous.GetProperty("error").GetString().Should().StartWith("401:");
        anonymous.GetProperty("id").GetString().Should().Be("1");

        var clientId = await HandshakeAsync(new { apiKey = "test-key-mia" });
        var published = await ExchangeAsync(new { channel = $"/conversations/{Guid.NewGuid()}", clientId, data = new { text = "spoofed" } });
        var foreign = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = "/notifications/someone-else" });
        var unknownChat = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = $"/conversations/{Guid.NewGuid()}" });
        var everything = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = "/**" });
        var managers = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = "/service/*" });

        published.GetProperty("error").GetString().Should().StartWith("403:");
        foreach (var refused in new[] { foreign, unknownChat, everything })
        {
            refused.GetProperty("successful").GetBoolean().Should().BeFalse();
            refused.GetProperty("error").GetString().Should().EndWith(":Forbidden channel");
        }

        managers.GetProperty("successful").GetBoolean().Should().BeTrue("a manager hears of every chat opened");
    }

    [Fact]
    public async Task A_subscribe_with_someone_elses_credentials_is_refused_and_after_unsubscribe_and_disconnect_the_client_is_gone()
    {
        var clientId = await HandshakeAsync(new { apiKey = "test-key-mia" });

        var borrowed = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = "/service/*", ext = new { apiKey = "test-key-max" } });
        var own = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = "/service/*", ext = new { apiKey = "test-key-mia" } });
        var unsubscribed = await ExchangeAsync(new { channel = "/meta/unsubscribe", clientId, subscription = "/service/*" });
        var disconnected = await ExchangeAsync(new { channel = "/meta/disconnect", clientId });
        var afterwards = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription = "/service/*" });

        (borrowed.GetProperty("successful").GetBoolean(), borrowed.GetProperty("error").GetString()).Should().Be((false, "401:/service/*:Credentials do not match the client"));
        (own.GetProperty("successful").GetBoolean(), unsubscribed.GetProperty("successful").GetBoolean(), disconnected.GetProperty("successful").GetBoolean()).Should().Be((true, true, true));
        afterwards.GetProperty("advice").GetProperty("reconnect").GetString().Should().Be("handshake");
    }

    [Fact]
    public async Task Malformed_messages_are_refused_and_never_break_the_endpoint()
    {
        var notJson = await api.CreateClient().PostAsync("/faye", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        var numberToken = await ExchangeAsync(new { channel = "/meta/handshake", ext = new { token = 42 } });
        var numberChannel = await ExchangeAsync(new { channel = 7, clientId = new[] { "x" } });

        await notJson.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        numberToken.GetProperty("successful").GetBoolean().Should().BeFalse();
        numberChannel.GetProperty("successful").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task An_unknown_or_forgotten_client_is_told_to_handshake_again()
    {
        var connect = await ExchangeAsync(new { channel = "/meta/connect", clientId = "no-such-client", connectionType = "long-polling" });

        connect.GetProperty("successful").GetBoolean().Should().BeFalse();
        connect.GetProperty("advice").GetProperty("reconnect").GetString().Should().Be("handshake");
    }

    [Fact]
    public async Task The_chats_participants_hear_that_it_was_handed_to_another_manager()
    {
        foreach (var manager in new[] { "mia", "max" })
        {
            (await api.ClientFor(manager).PutAsJsonAsync($"/api/managers/{manager}/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        }

        var visitor = $"guest-{Guid.NewGuid():N}";
        var opened = await (await api.ClientFor("mia").PostAsJsonAsync("/api/conversations", new { visitorId = visitor })).JsonAsync(HttpStatusCode.Created);
        var id = opened.GetProperty("id").GetGuid();
        var from = opened.GetProperty("managerId").GetString()!;
        var to = from == "mia" ? "max" : "mia";
        var participant = await SubscribedAsync(from, $"/conversations/{id}");
        // The desk of the manager who gets it hears of it as of a chat opened.
        var desk = await SubscribedAsync(to, "/service/*");

        (await api.ClientFor(from).PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = to })).EnsureSuccessStatusCode();

        var data = await PushedAsync(participant, $"/conversations/{id}");
        (data.GetProperty("entity").GetString(), data.GetProperty("action").GetString()).Should().Be(("conversation", "transferred"));
        (data.GetProperty("conversation").GetProperty("managerId").GetString(), data.GetProperty("conversation").GetProperty("previousManagerId").GetString()).Should().Be((to, from));
        var listed = (await PushedAsync(desk, $"/service/{visitor}")).GetProperty("conversation");
        (listed.GetProperty("id").GetGuid(), listed.GetProperty("visitorId").GetString(), listed.GetProperty("managerId").GetString()).Should().Be((id, visitor, to));

        async Task<string> SubscribedAsync(string manager, string subscription)
        {
            var clientId = await HandshakeAsync(new { apiKey = $"test-key-{manager}" });
            var subscribed = await ExchangeAsync(new { channel = "/meta/subscribe", clientId, subscription });
            subscribed.GetProperty("successful").GetBoolean().Should().BeTrue(subscribed.ToString());
            return clientId;
        }

        // The opening may reach the desk late, on a busy machine: connect until the hand-over's push comes.
        async Task<JsonElement> PushedAsync(string clientId, string channel)
        {
            var deadline = DateTime.UtcNow + Wait.Patience;
            var seen = new List<JsonElement>();
            while (DateTime.UtcNow < deadline)
            {
                var replies = await api.CreateClient().PostAsJsonAsync("/faye", new[] { new { channel = "/meta/connect", clientId, connectionType = "long-polling" } });
                seen.AddRange((await replies.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Where(m => m.GetProperty("channel").GetString() == channel));
                if (seen.Any(m => m.GetProperty("data").GetProperty("action").GetString() == "transferred"))
                {
                    break;
                }
            }

            return seen.Select(m => m.GetProperty("data")).Should().ContainSingle(d => d.GetProperty("action").GetString() == "transferred").Which;
        }
    }

    [Fact]
    public void A_client_not_heard_from_for_the_client_timeout_is_forgotten_and_one_that_connects_is_kept()
    {
        var clock = new SteppedClock();
        var clients = new BayeuxClients(new FayeOptions { ClientTimeout = TimeSpan.FromSeconds(60) }, clock);
        var idle = clients.Add(new ClaimsPrincipal());
        var active = clients.Add(new ClaimsPrincipal());

        clock.Advance(TimeSpan.FromSeconds(45));
        clients.Find(active.Id);
        clock.Advance(TimeSpan.FromSeconds(30));

        clients.ForgetIdle().Should().Be(1);
        clients.Find(idle.Id).Should().BeNull();
        clients.Find(active.Id).Should().NotBeNull();
    }

    private async Task<string> HandshakeAsync(object ext) =>
        (await ExchangeAsync(new { channel = "/meta/handshake", version = "1.0", supportedConnectionTypes = new[] { "long-polling" }, ext })).GetProperty("clientId").GetString()!;

    private async Task<JsonElement> ExchangeAsync(object message)
    {
        var response = await api.CreateClient().PostAsJsonAsync("/faye", new[] { message });
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>())[0];
    }

    private sealed class SteppedClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
