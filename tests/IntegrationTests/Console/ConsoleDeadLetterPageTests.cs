using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Console;

/// <summary>
/// A projection's dead letters page by page in the console, on a site of its own: its poison
/// events stay in the store, where a shared site's rebuilds (policy Stop there) would stop at them.
/// </summary>
public sealed class ConsoleDeadLetterPageTests(ConsoleDeadLetterPageTests.SkippingSite site) : IClassFixture<ConsoleDeadLetterPageTests.SkippingSite>
{
    /// <summary>A site whose projections park a poison event and go on, as they do by default.</summary>
    public sealed class SkippingSite : BrowserSite
    {
        public SkippingSite() => MoreSettings["Projections:OnPoisonEvent"] = "Skip";
    }

    [Fact]
    public async Task A_projections_dead_letters_are_shown_a_hundred_at_a_time_and_More_shows_the_rest()
    {
        // Contacts without owner or name, as a bug would write: the contacts projection parks each and goes on.
        var streams = Enumerable.Range(0, 101).Select(_ => $"contacts-poison{Guid.NewGuid():N}").ToHashSet();
        await using (var node = await EventStoreNode.StartAsync(site.Database.ConnectionString))
        {
            foreach (var stream in streams)
            {
                await node.Store.AppendAsync(stream, ExpectedVersion.Any, [new EventData(Guid.NewGuid(), "contact_added", "{}", EventMetadata.Empty)]);
            }
        }

        var ops = site.Api.ClientFor("ops");
        var parked = Array.Empty<long>();
        await Eventually.HoldsAsync(
            async () => (parked = [.. (await ops.GetFromJsonAsync<JsonElement>("/api/admin/projections/contacts/dead-letters?limit=1000")).EnumerateArray()
                .Where(l => streams.Contains(l.GetProperty("streamId").GetString()!)).Select(l => l.GetProperty("id").GetInt64())]).Length == 101,
            "the 101 events to be parked");
        var page = await site.SignedInAsync();
        var contacts = page.Locator("tr[data-projection='contacts']");
        await contacts.GetByRole(AriaRole.Button, new() { Name = "Dead letters" }).ClickAsync();
        var rows = page.Locator("#projection-dead-letter-rows tr");
        await Assertions.Expect(rows).ToHaveCountAsync(100);

        await page.GetByRole(AriaRole.Button, new() { Name = "More", Exact = true }).ClickAsync();

        await Assertions.Expect(rows).ToHaveCountAsync(101);
        await Assertions.Expect(rows.Last.Locator("td").First).ToHaveTextAsync(parked.Max().ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "More", Exact = true })).ToBeHiddenAsync();
    }
}
