using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>The log levels of appsettings.json: one line per request, none per HttpClient step.</summary>
public sealed class QuietLogTests(LoggedDeliveryApi api) : IClassFixture<LoggedDeliveryApi>
{
    private const string Requests = "EventSourced.Api.Http.RequestLogMiddleware Information: ";

    [Fact]
    public async Task Each_request_is_one_line_and_sends_to_messengers_log_no_http_client_steps()
    {
        var alice = api.ClientFor("alice");
        alice.DefaultRequestHeaders.Add("X-Correlation-Id", $"quiet-{Guid.NewGuid():N}");
        await (await alice.PostAsJsonAsync("/api/contacts", new { name = "Quiet", telegram = "@quiet_one" })).JsonAsync(HttpStatusCode.Created);
        var message = (await (await alice.PostAsJsonAsync("/api/messages", new { text = "Hush", contactNames = new[] { "Quiet" } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        await Eventually.HoldsAsync(() => MessageViews.AllDeliveredAsync(alice, [message]), "the delivery, through the messenger's HttpClient");
        var correlation = alice.DefaultRequestHeaders.GetValues("X-Correlation-Id").Single();

        api.Logs.Lines.Where(l => l.StartsWith(Requests + "POST /api/contacts 201 in ", StringComparison.Ordinal) && l.Contains(correlation, StringComparison.Ordinal)).Should().ContainSingle();
        api.Logs.Lines.Should().NotContain(l => l.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) && l.Contains(" Information: ", StringComparison.Ordinal));
        api.Logs.Lines.Should().NotContain(l => l.StartsWith("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal) && l.Contains(" Information: ", StringComparison.Ordinal));
    }
}
