using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Domain.Messages;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Contacts and groups added to a waiting message, and contacts taken off it (ADR 0049).</summary>
public sealed class MessageRecipientsApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task Contacts_and_groups_added_to_a_waiting_message_are_read_with_it_and_a_contact_taken_off_is_cancelled()
    {
        var (anna, boris, vera) = (Unique("Anna"), Unique("Boris"), Unique("Vera"));
        var annaId = await AddContactAsync(anna, telegram: "@anna_added");
        var borisId = await AddContactAsync(boris, whatsApp: "+4915100000021");
        var veraId = await AddContactAsync(vera, viber: "vera-added");
        var choir = Unique("Choir");
        var choirId = (await (await _alice.PostAsJsonAsync("/api/groups", new { name = choir, contactNames = new[] { vera } })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var id = await ScheduleAsync(anna);

        var added = await (await _alice.PostAsJsonAsync($"/api/messages/{id}/recipients", new { contactNames = new[] { boris, anna }, groupNames = new[] { choir } }))
            .JsonAsync(HttpStatusCode.OK);
        var again = await (await _alice.PostAsJsonAsync($"/api/messages/{id}/recipients", new { contactIds = new[] { borisId } })).JsonAsync(HttpStatusCode.OK);
        var removed = await (await _alice.PostAsJsonAsync($"/api/messages/{id}/recipients/remove", new { contactNames = new[] { anna } })).JsonAsync(HttpStatusCode.OK);

        again.GetProperty("position").ValueKind.Should().Be(JsonValueKind.Null, "a contact already on the message changes nothing");
        (await api.StreamAsync($"message-{id}")).Select(e => e.Type)
            .Should().Equal("message_scheduled", "delivery_planned", "delivery_planned", "message_groups_added", "delivery_cancelled");
        var read = await (await _alice.GetAsync($"/api/messages/{id}?minPosition={removed.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        read.GetProperty("deliveries").EnumerateArray()
            .Select(d => (d.GetProperty("contactId").GetGuid(), d.GetProperty("address").GetString(), d.GetProperty("status").GetString(), d.GetProperty("cancelReason").GetString()))
            .Should().BeEquivalentTo([
                (annaId, "@anna_added", "cancelled", Message.TakenOffReason),
                (borisId, "+4915100000021", "scheduled", (string?)null),
                (veraId, "vera-added", "scheduled", (string?)null)]);
        read.GetProperty("message").GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("id").GetGuid()).Should().Equal(choirId);
        var byGroup = await (await _alice.GetAsync($"/api/messages?groupId={choirId}")).JsonAsync(HttpStatusCode.OK);
        byGroup.EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).Should().Equal(id);
        var asScheduled = await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=0")).JsonAsync(HttpStatusCode.OK);
        asScheduled.GetProperty("deliveries").GetArrayLength().Should().Be(1, "the history shows whom it went to at each version");
        asScheduled.GetProperty("groups").GetArrayLength().Should().Be(0);
        var asChanged = await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=4")).JsonAsync(HttpStatusCode.OK);
        asChanged.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("id").GetGuid(), g.GetProperty("name").GetString())).Should().Equal((choirId, choir));
        asChanged.GetProperty("deliveries").GetArrayLength().Should().Be(3);
        added.GetProperty("position").GetInt64().Should().BeLessThan(removed.GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task Refused_changes_of_recipients_say_what_is_wrong_and_append_nothing()
    {
        var (anna, boris) = (Unique("Anna"), Unique("Boris"));
        await AddContactAsync(anna, telegram: "@anna_refused_change");
        await AddContactAsync(boris, viber: "boris-refused-change");
        var waiting = await ScheduleAsync(anna);
        var now = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Now", contactNames = new[] { anna } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var cancelled = await ScheduleAsync(anna);
        await (await _alice.PostAsJsonAsync($"/api/messages/{cancelled}/cancel", new { })).JsonAsync(HttpStatusCode.OK);
        var before = await api.EventCountAsync();

        var blank = await (await _alice.PostAsJsonAsync($"/api/messages/{waiting}/recipients", new { contactNames = new[] { " " } })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        blank.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Equal("contactNames");
        await (await _alice.PostAsJsonAsync($"/api/messages/{waiting}/recipients/remove", new { })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var unknown = await (await _alice.PostAsJsonAsync($"/api/messages/{waiting}/recipients", new { contactNames = new[] { boris, "Nobody here" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_recipients");
        unknown.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()).Should().Equal("Nobody here");
        await (await _alice.PostAsJsonAsync($"/api/messages/{waiting}/recipients/remove", new { contactNames = new[] { "Nobody here" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_recipients");
        await (await _alice.PostAsJsonAsync($"/api/messages/{waiting}/recipients", new { groupNames = new[] { "No such group" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_groups");
        var everyone = await (await _alice.PostAsJsonAsync($"/api/messages/{waiting}/recipients/remove", new { contactNames = new[] { anna } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:invalid_message");
        everyone.GetProperty("detail").GetString().Should().Contain("cancel the message");
        await (await _alice.PostAsJsonAsync($"/api/messages/{now}/recipients", new { contactNames = new[] { boris } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:message_not_editable");
        await (await _alice.PostAsJsonAsync($"/api/messages/{cancelled}/recipients", new { contactNames = new[] { boris } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:message_not_editable");
        await (await _alice.PostAsJsonAsync($"/api/messages/{Guid.NewGuid()}/recipients", new { contactNames = new[] { boris } }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:message_not_found");

        (await api.EventCountAsync()).Should().Be(before);
    }

    private async Task<Guid> ScheduleAsync(string contact) =>
        (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors at six", contactNames = new[] { contact }, notBefore = DateTimeOffset.UtcNow.AddDays(1) }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

    private async Task<Guid> AddContactAsync(string name, string? telegram = null, string? whatsApp = null, string? viber = null) =>
        (await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram, whatsApp, viber })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";
}
