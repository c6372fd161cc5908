using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>A node started on an empty database logs no warning or error while it sets itself up.</summary>
public sealed class StartupLogTests(LoggedDeliveryApi api) : IClassFixture<LoggedDeliveryApi>
{
    [Fact]
    public async Task A_fresh_store_starts_and_delivers_without_a_warning_or_an_error_in_the_log()
    {
        var alice = api.ClientFor("alice");
        await (await alice.PostAsJsonAsync("/api/contacts", new { name = "Fresh", telegram = "@fresh_start" })).JsonAsync(HttpStatusCode.Created);
        var message = (await (await alice.PostAsJsonAsync("/api/messages", new { text = "First", contactNames = new[] { "Fresh" } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        // Readiness is not asked here: an unready check is logged as an error by design. The
        // scheduler has polled all along, since before its schedule existed, when this is delivered.
        await Eventually.HoldsAsync(() => MessageViews.AllDeliveredAsync(alice, [message]), "the delivery");

        api.Logs.Lines.Should().NotContain(l => l.Contains(" Warning: ", StringComparison.Ordinal) || l.Contains(" Error: ", StringComparison.Ordinal) || l.Contains(" Critical: ", StringComparison.Ordinal));
    }
}
