using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class ContactListApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task The_list_shows_the_owners_live_contacts_by_name_page_by_page_once_it_has_the_write()
    {
        var vera = api.ClientFor("vera");
        var ids = new Dictionary<string, Guid>();
        foreach (var name in new[] { "Charlie", "alice", "Bob", "Dave", "Eve" })
        {
            ids[name] = (await (await vera.PostAsJsonAsync("/api/contacts", new { name, viber = name.ToLowerInvariant() })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }

        await api.ClientFor("vlad").PostAsJsonAsync("/api/contacts", new { name = "Vlads friend", viber = "x" });
        (await vera.DeleteAsync($"/api/contacts/{ids["Eve"]}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var rename = await (await vera.PatchAsync($"/api/contacts/{ids["Bob"]}", Http.Json("""{"name":"Bobby"}"""))).JsonAsync(HttpStatusCode.OK);

        var first = await (await vera.GetAsync($"/api/contacts?pageSize=2&minPosition={rename.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        var second = await (await vera.GetAsync("/api/contacts?page=2&pageSize=2")).JsonAsync(HttpStatusCode.OK);

        Names(first).Should().Equal("alice", "Bobby");
        Names(second).Should().Equal("Charlie", "Dave");
        first.GetProperty("total").GetInt64().Should().Be(4);
        var beyond = await (await vera.GetAsync("/api/contacts?page=3&pageSize=2")).JsonAsync(HttpStatusCode.OK);
        Names(beyond).Should().BeEmpty();
        beyond.GetProperty("total").GetInt64().Should().Be(4, "a page past the last still tells how many there are");
    }

    [Fact]
    public async Task Asked_at_the_position_of_a_later_command_of_another_kind_the_list_answers_with_the_contact()
    {
        var bob = api.ClientFor("bob");
        var added = await (await bob.PostAsJsonAsync("/api/contacts", new { name = "Zoe", viber = "zoe" })).JsonAsync(HttpStatusCode.Created);
        var sent = await (await bob.PostAsJsonAsync("/api/messages", new { text = "Hi", contactNames = new[] { "Zoe" } })).JsonAsync(HttpStatusCode.Accepted);
        var position = sent.GetProperty("position").GetInt64();

        // The contacts read model never sees the message, so its checkpoint stays at the contact.
        var list = await (await bob.GetAsync($"/api/contacts?minPosition={position}")).JsonAsync(HttpStatusCode.OK);

        position.Should().BeGreaterThan(added.GetProperty("position").GetInt64());
        Names(list).Should().Contain("Zoe");
    }

    [Fact]
    public async Task A_search_keeps_the_contacts_whose_name_or_a_messenger_id_contains_the_text_in_any_case()
    {
        var alice = api.ClientFor("alice");
        await alice.PostAsJsonAsync("/api/contacts", new { name = "Artem Ivanov", telegram = "@artem_iv" });
        await alice.PostAsJsonAsync("/api/contacts", new { name = "Boris", whatsApp = "+4915112345678" });
        await alice.PostAsJsonAsync("/api/contacts", new { name = "Martina", viber = "martina" });
        var last = await (await alice.PostAsJsonAsync("/api/contacts", new { name = "Zoe 100%", viber = "zoe_k" })).JsonAsync(HttpStatusCode.Created);
        // Another owner's contact that matches is never shown.
        await api.ClientFor("bob").PostAsJsonAsync("/api/contacts", new { name = "Artem Bobs", viber = "artem" });
        var at = $"minPosition={last.GetProperty("position").GetInt64()}";

        var byName = await (await alice.GetAsync($"/api/contacts?search=ART&{at}")).JsonAsync(HttpStatusCode.OK);
        var byPhone = await (await alice.GetAsync("/api/contacts?search=%2049151")).JsonAsync(HttpStatusCode.OK);
        // Unescaped, "%" would match every contact.
        var percent = await (await alice.GetAsync("/api/contacts?search=%25")).JsonAsync(HttpStatusCode.OK);
        // Unescaped, "e_" would match any "e" and the next character, as in "Artem".
        var underscore = await (await alice.GetAsync("/api/contacts?search=e_")).JsonAsync(HttpStatusCode.OK);
        var none = await (await alice.GetAsync("/api/contacts?search=nobody")).JsonAsync(HttpStatusCode.OK);

        Names(byName).Should().Equal("Artem Ivanov", "Martina");
        byName.GetProperty("total").GetInt64().Should().Be(2);
        Names(byPhone).Should().Equal("Boris");
        Names(percent).Should().Equal("Zoe 100%");
        Names(underscore).Should().Equal("Zoe 100%");
        Names(none).Should().BeEmpty();
    }

    [Fact]
    public async Task A_search_with_a_control_character_is_a_400() =>
        await (await api.ClientFor("alice").GetAsync("/api/contacts?search=a%01b")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

    [Fact]
    public async Task A_bad_page_is_a_400() =>
        await (await api.ClientFor("vera").GetAsync("/api/contacts?pageSize=0")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

    private static IEnumerable<string?> Names(System.Text.Json.JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString());
}
