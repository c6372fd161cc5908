using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>Messenger tokens (Telegram's is part of the URL) and API keys never reach the logs, at any level.</summary>
public sealed class SecretsInLogsTests(LoggedDeliveryApi api) : IClassFixture<LoggedDeliveryApi>
{
    [Fact]
    public async Task A_delivery_and_authenticated_requests_log_neither_tokens_nor_keys()
    {
        var alice = api.ClientFor("alice");
        await (await alice.PostAsJsonAsync("/api/contacts", new { name = "Secretive", telegram = "@secretive_user" })).JsonAsync(HttpStatusCode.Created);
        var message = (await (await alice.PostAsJsonAsync("/api/messages", new { text = "Psst", contactNames = new[] { "Secretive" } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        await Eventually.HoldsAsync(() => MessageViews.AllDeliveredAsync(alice, [message]), "the delivery");
        await api.ClientFor("mallory-without-a-key").GetAsync("/api/contacts");

        api.Logs.Lines.Should().NotBeEmpty();
        api.Logs.Lines.Should().NotContain(l => l.Contains("test-Telegram", StringComparison.Ordinal), "the bot token is part of Telegram's URL");
        api.Logs.Lines.Should().NotContain(l => l.Contains("test-key-", StringComparison.Ordinal), "API keys");
    }
}
