using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Groups of a user's contacts, and messages to all of a group's members at once.</summary>
public sealed class GroupApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task A_group_made_of_contacts_by_id_and_name_is_read_changed_renamed_and_deleted_each_at_once()
    {
        var (anna, boris, vera) = (Unique("Anna"), Unique("Boris"), Unique("Vera"));
        var annaId = await AddContactAsync(anna, telegram: "@anna_group");
        var borisId = await AddContactAsync(boris, viber: "boris-v");
        await AddContactAsync(vera, viber: "vera-v");
        var name = Unique("Choir");

        var created = await _alice.PostAsJsonAsync("/api/groups", new { name = $" {name} ", contactIds = new[] { annaId }, contactNames = new[] { boris.ToUpperInvariant(), anna } });

        var group = await created.JsonAsync(HttpStatusCode.Created);
        var id = group.GetProperty("id").GetGuid();
        created.Headers.Location!.ToString().Should().Be($"/api/groups/{id}");
        (group.GetProperty("name").GetString(), group.GetProperty("members").GetInt32()).Should().Be((name, 2));
        (await MemberNamesAsync(id)).Should().Equal(anna, boris);

        await (await _alice.PostAsJsonAsync($"/api/groups/{id}/members", new { contactNames = new[] { vera, anna } })).JsonAsync(HttpStatusCode.OK);
        await (await _alice.PostAsJsonAsync($"/api/groups/{id}/members/remove", new { contactIds = new[] { borisId } })).JsonAsync(HttpStatusCode.OK);
        (await MemberNamesAsync(id)).Should().Equal(anna, vera);

        var renamed = await (await _alice.PatchAsJsonAsync($"/api/groups/{id}", new { name = name + " II" })).JsonAsync(HttpStatusCode.OK);
        renamed.GetProperty("position").GetInt64().Should().BePositive();
        var listed = await (await _alice.GetAsync("/api/groups")).JsonAsync(HttpStatusCode.OK);
        listed.EnumerateArray().Should().ContainSingle(g => g.GetProperty("id").GetGuid() == id)
            .Which.GetRawText().Should().Be(JsonSerializer.Serialize(new { id, name = name + " II", members = 2 }));

        (await _alice.DeleteAsync($"/api/groups/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _alice.DeleteAsync($"/api/groups/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent, "deleting again changes nothing");
        await (await _alice.GetAsync($"/api/groups/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await _alice.GetAsync("/api/groups")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Should().NotContain(g => g.GetProperty("id").GetGuid() == id);
        (await (await _alice.GetAsync($"/api/contacts/{annaId}")).JsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString().Should().Be(anna, "a group's contacts stay in the book");
    }

    [Fact]
    public async Task A_contact_shows_the_groups_it_is_in_by_name_and_its_history_those_it_was_in_then()
    {
        var anna = Unique("Anna");
        var annaId = await AddContactAsync(anna, telegram: "@anna_groups");
        var (choir, band, parents) = (Unique("Choir"), Unique("Band"), Unique("Parents"));
        var choirId = await CreateGroupAsync(choir, anna);
        var bandId = await CreateGroupAsync(band, anna);
        await CreateGroupAsync(parents);
        var beforeLeaving = DateTimeOffset.UtcNow;
        // Apart by a clock tick at least: the moment asked for must fall between the two changes.
        await Eventually.HoldsAsync(() => Task.FromResult(DateTimeOffset.UtcNow > beforeLeaving), "the clock to move on");

        await (await _alice.PostAsJsonAsync($"/api/groups/{bandId}/members/remove", new { contactIds = new[] { annaId } })).JsonAsync(HttpStatusCode.OK);

        var now = await (await _alice.GetAsync($"/api/contacts/{annaId}")).JsonAsync(HttpStatusCode.OK);
        GroupsOf(now).Should().Equal((choirId, choir));
        GroupsOf(await (await _alice.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(anna)}")).JsonAsync(HttpStatusCode.OK)).Should().Equal((choirId, choir));
        var then = await (await _alice.GetAsync($"/api/contacts/{annaId}/history?asOf={Uri.EscapeDataString(beforeLeaving.ToString("O"))}")).JsonAsync(HttpStatusCode.OK);
        GroupsOf(then).Should().BeEquivalentTo([(bandId, band), (choirId, choir)], o => o.WithStrictOrdering().ComparingByMembers<(Guid, string)>(),
            "ordered by name, as the list of groups is");
        (await _alice.DeleteAsync($"/api/groups/{choirId}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        GroupsOf(await (await _alice.GetAsync($"/api/contacts/{annaId}")).JsonAsync(HttpStatusCode.OK)).Should().BeEmpty("a deleted group is in nobody's list");
    }

    private static IEnumerable<(Guid Id, string? Name)> GroupsOf(JsonElement contact) =>
        contact.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("id").GetGuid(), g.GetProperty("name").GetString()));

    private async Task<Guid> CreateGroupAsync(string name, params string[] contactNames) =>
        (await (await _alice.PostAsJsonAsync("/api/groups", new { name, contactNames })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    [Fact]
    public async Task A_message_to_a_group_goes_to_each_member_once_over_every_messenger_passes_over_a_forgotten_member_and_names_the_group()
    {
        var (anna, boris, vera) = (Unique("Anna"), Unique("Boris"), Unique("Vera"));
        var annaId = await AddContactAsync(anna, telegram: "@anna_send", whatsApp: "+4915100000011");
        var borisId = await AddContactAsync(boris, viber: "boris-send");
        var veraId = await AddContactAsync(vera, telegram: "@vera_send");
        var name = Unique("Parents");
        var groupId = await CreateGroupAsync(name, anna, boris, vera);
        await (await _alice.PostAsJsonAsync($"/api/contacts/{veraId}/forget", new { reason = "asked to be forgotten" })).JsonAsync(HttpStatusCode.OK);

        var accepted = await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Rehearsal moved", groupNames = new[] { name.ToLowerInvariant() }, contactNames = new[] { anna } }))
            .JsonAsync(HttpStatusCode.Accepted);

        var id = accepted.GetProperty("id").GetGuid();
        var scheduled = await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=0")).JsonAsync(HttpStatusCode.OK);
        scheduled.GetProperty("deliveries").EnumerateArray()
            .Select(d => (d.GetProperty("contactId").GetGuid(), d.GetProperty("channel").GetString(), d.GetProperty("address").GetString()))
            .Should().BeEquivalentTo([(annaId, "telegram", "@anna_send"), (annaId, "whatsapp", "+4915100000011"), (borisId, "viber", "boris-send")]);

        // The message names the group it was sent to, as it was named then.
        await (await _alice.PatchAsJsonAsync($"/api/groups/{groupId}", new { name = name + " II" })).JsonAsync(HttpStatusCode.OK);
        var read = await (await _alice.GetAsync($"/api/messages/{id}?minPosition={accepted.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        read.GetProperty("message").GetProperty("groups").GetRawText().Should().Be(JsonSerializer.Serialize(new[] { new { id = groupId, name } }));
        var listed = await (await _alice.GetAsync("/api/messages?limit=200")).JsonAsync(HttpStatusCode.OK);
        listed.EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == id).GetProperty("groups").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Messages_are_listed_by_a_group_they_went_to_newest_first_by_page_and_status_and_only_the_owners()
    {
        var (anna, boris) = (Unique("Anna"), Unique("Boris"));
        await AddContactAsync(anna, telegram: "@anna_by_group");
        await AddContactAsync(boris, viber: "boris-by-group");
        var (choir, band) = (await CreateGroupAsync(Unique("Choir"), anna), await CreateGroupAsync(Unique("Band"), boris));
        var later = DateTimeOffset.UtcNow.AddDays(1);
        var toChoir = await ScheduleAsync(new { text = "Choir only", groupIds = new[] { choir }, notBefore = later });
        var toBand = await ScheduleAsync(new { text = "Band only", groupIds = new[] { band }, notBefore = later });
        var toAnna = await ScheduleAsync(new { text = "Anna by name", contactNames = new[] { anna }, notBefore = later });
        var toBoth = await ScheduleAsync(new { text = "Both groups", groupIds = new[] { choir, band }, notBefore = later });
        var cancelled = await (await _alice.PostAsJsonAsync($"/api/messages/{toChoir.Id}/cancel", new { })).JsonAsync(HttpStatusCode.OK);
        await (await _alice.PatchAsJsonAsync($"/api/groups/{choir}", new { name = Unique("Renamed choir") })).JsonAsync(HttpStatusCode.OK);
        var seen = $"minPosition={cancelled.GetProperty("position").GetInt64()}";

        (await _alice.IdsAsync($"/api/messages?groupId={choir}&{seen}")).Should().Equal([toBoth.Id, toChoir.Id], "newest first, under the group's id whatever it is named now");
        (await _alice.IdsAsync($"/api/messages?groupId={band}&{seen}")).Should().Equal(toBoth.Id, toBand.Id);
        (await _alice.IdsAsync($"/api/messages?groupId={choir}&limit=1&beforeId={toBoth.Id}&{seen}")).Should().Equal(toChoir.Id);
        (await _alice.IdsAsync($"/api/messages?groupId={choir}&status=scheduled&{seen}")).Should().Equal(toBoth.Id);
        (await _alice.IdsAsync($"/api/messages?groupId={Guid.NewGuid()}&{seen}")).Should().BeEmpty();
        (await api.ClientFor("bob").IdsAsync($"/api/messages?groupId={choir}&{seen}")).Should().BeEmpty("another user's group lists none of their messages");
        (await _alice.IdsAsync($"/api/messages?limit=1000&{seen}")).Should().Contain([toAnna.Id, toBand.Id], "without a group, every message");
        await (await _alice.GetAsync("/api/messages?groupId=choir")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    private async Task<(Guid Id, long Position)> ScheduleAsync(object message)
    {
        var accepted = await (await _alice.PostAsJsonAsync("/api/messages", message)).JsonAsync(HttpStatusCode.Accepted);
        return (accepted.GetProperty("id").GetGuid(), accepted.GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task Refused_group_commands_and_messages_say_what_is_wrong_and_append_nothing()
    {
        var anna = Unique("Anna");
        await AddContactAsync(anna, telegram: "@anna_refused");
        var name = Unique("Band");
        var id = (await (await _alice.PostAsJsonAsync("/api/groups", new { name })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var before = await api.EventCountAsync();

        await (await _alice.PostAsJsonAsync("/api/groups", new { name = name.ToUpperInvariant() })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:group_name_taken");
        var unknown = await (await _alice.PostAsJsonAsync($"/api/groups/{id}/members", new { contactNames = new[] { anna, "Nobody here" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_contacts");
        unknown.GetProperty("contacts").EnumerateArray().Select(c => c.GetString()).Should().Equal("Nobody here");
        var unknownGroups = await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Hi", groupNames = new[] { name, "No such group" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_groups");
        unknownGroups.GetProperty("groups").EnumerateArray().Select(c => c.GetString()).Should().Equal("No such group");
        var blank = await (await _alice.PostAsJsonAsync("/api/groups", new { name = " ", contactNames = new[] { "" } })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        blank.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().BeEquivalentTo("name", "contactNames");
        await (await _alice.PostAsJsonAsync($"/api/groups/{id}/members", new { })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await _alice.PostAsJsonAsync($"/api/groups/{Guid.NewGuid()}/members", new { contactNames = new[] { anna } })).ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:group_not_found");
        var bob = api.ClientFor("bob");
        await (await bob.GetAsync($"/api/groups/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await bob.PostAsJsonAsync("/api/messages", new { text = "Hi", groupIds = new[] { id } })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_groups");

        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_group_takes_as_many_members_as_a_message_takes_recipients_and_a_message_to_more_is_refused()
    {
        var names = Enumerable.Range(0, 1001).Select(i => Unique($"Member {i}")).ToList();
        foreach (var batch in names.Chunk(1000))
        {
            await (await _alice.PostAsJsonAsync("/api/contacts/import", new { contacts = batch.Select(n => new { name = n, viber = $"member-{Guid.NewGuid():N}" }) })).JsonAsync(HttpStatusCode.OK);
        }

        var full = await (await _alice.PostAsJsonAsync("/api/groups", new { name = Unique("Everyone"), contactNames = names.Take(1000) })).JsonAsync(HttpStatusCode.Created);
        var id = full.GetProperty("id").GetGuid();
        full.GetProperty("members").GetInt32().Should().Be(1000);
        var before = await api.EventCountAsync();

        await (await _alice.PostAsJsonAsync($"/api/groups/{id}/members", new { contactNames = names.Skip(1000) })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:group_too_large");
        await (await _alice.PostAsJsonAsync("/api/messages", new { text = "All of you", groupIds = new[] { id }, contactNames = names.Skip(1000) }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:too_many_recipients");

        (await api.EventCountAsync()).Should().Be(before);
    }

    private async Task<IEnumerable<string?>> MemberNamesAsync(Guid group) =>
        (await (await _alice.GetAsync($"/api/groups/{group}")).JsonAsync(HttpStatusCode.OK)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString());

    private async Task<Guid> AddContactAsync(string name, string? telegram = null, string? whatsApp = null, string? viber = null) =>
        (await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram, whatsApp, viber })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    // Each test's names are its own in alice's book, which the tests of this class share.
    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";
}
