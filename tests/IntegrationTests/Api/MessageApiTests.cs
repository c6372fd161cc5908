using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Domain.Messages;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class MessageApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task Scheduling_by_id_and_name_is_accepted_and_fixes_a_delivery_per_messenger()
    {
        var artem = await AddContactAsync(_alice, Unique("Artem"), telegram: "@artem_ivanov", whatsApp: "+4915112345678");
        var olgaName = Unique("Olga");
        await AddContactAsync(_alice, olgaName, viber: "olga");
        var notBefore = DateTimeOffset.UtcNow.AddHours(1);

        var response = await _alice.PostAsJsonAsync("/api/messages", new { text = "Concert tonight", contactIds = new[] { artem }, contactNames = new[] { olgaName }, notBefore });

        var accepted = await response.JsonAsync(HttpStatusCode.Accepted);
        var id = accepted.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().Should().Be($"/api/messages/{id}");
        var scheduled = (await api.StreamAsync($"message-{id}")).Single();
        scheduled.Type.Should().Be("message_scheduled");
        var data = JsonDocument.Parse(scheduled.Data).RootElement;
        data.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("channel").GetString()).Should().Equal("telegram", "whatsApp", "viber");
        data.GetProperty("notBefore").GetDateTimeOffset().Should().BeCloseTo(notBefore, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Unknown_or_removed_recipients_are_a_422_naming_them_and_nothing_is_scheduled()
    {
        var removed = await AddContactAsync(_alice, Unique("Gone"), viber: "gone");
        await _alice.DeleteAsync($"/api/contacts/{removed}");
        var known = await AddContactAsync(_alice, Unique("Here"), viber: "here");
        var before = await api.EventCountAsync();

        var response = await _alice.PostAsJsonAsync("/api/messages", new { text = "Hi", contactIds = new[] { known, removed }, contactNames = new[] { "Nobody" } });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_recipients");
        problem.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()).Should().BeEquivalentTo(removed.ToString(), "Nobody");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Another_owners_contacts_are_unknown_recipients()
    {
        var bobsContact = await AddContactAsync(api.ClientFor("bob"), Unique("Bobs"), viber: "bobs");

        var response = await _alice.PostAsJsonAsync("/api/messages", new { text = "Hi", contactIds = new[] { bobsContact } });

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:unknown_recipients");
    }

    [Theory]
    [InlineData("""{"text":"","contactNames":["A"]}""", "text")]
    [InlineData("""{"text":"Hi"}""", "recipients")]
    [InlineData("""{"text":"Hi","contactNames":[" "]}""", "contactNames")]
    public async Task An_invalid_message_is_a_400_listing_the_field_and_appends_nothing(string body, string field)
    {
        var before = await api.EventCountAsync();

        var response = await _alice.PostAsync("/api/messages", Http.Json(body));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_text_over_4096_characters_is_a_400()
    {
        var name = Unique("Long");
        await AddContactAsync(_alice, name, viber: "long");

        var response = await _alice.PostAsJsonAsync("/api/messages", new { text = new string('x', 4097), contactNames = new[] { name } });

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
    }

    [Fact]
    public async Task A_misspelled_placeholder_is_refused_unless_sent_as_written_and_braces_around_anything_else_are_text()
    {
        var name = Unique("Braces");
        await AddContactAsync(_alice, name, viber: "braces");
        var before = await api.EventCountAsync();

        var refused = await _alice.PostAsJsonAsync("/api/messages", new { text = "Hello, {nmae}! See you {Name} {nmae}", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddDays(1) });
        var refusedProblem = await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        var eventsAfterRefusal = await api.EventCountAsync();
        var asWritten = await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Use {code} at the door", contactNames = new[] { name }, asWritten = true, notBefore = DateTimeOffset.UtcNow.AddDays(1) }))
            .JsonAsync(HttpStatusCode.Accepted);
        var plain = await _alice.PostAsJsonAsync("/api/messages", new { text = "Hello, {name} :-{ {\"a\": 1} { spaced } {2026}", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddDays(1) });
        var id = asWritten.GetProperty("id").GetGuid();
        var editRefused = await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Use {cdoe} at the door" });
        var editAsWritten = await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Use {cdoe} at the door", asWritten = true });

        refusedProblem.GetProperty("errors").GetProperty("text")[0].GetString().Should()
            .StartWith("{nmae}, {Name} stand for nothing: only {name} is replaced", "each unknown one named once, case and all");
        eventsAfterRefusal.Should().Be(before, "a refused message appends nothing");
        plain.StatusCode.Should().Be(HttpStatusCode.Accepted, "braces around anything but a word are text");
        await editRefused.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        editAsWritten.StatusCode.Should().Be(HttpStatusCode.OK);
        (await (await _alice.GetAsync($"/api/messages/{id}?minPosition={(await editAsWritten.JsonAsync(HttpStatusCode.OK)).GetProperty("position").GetInt64()}"))
            .JsonAsync(HttpStatusCode.OK)).GetProperty("message").GetProperty("text").GetString().Should().Be("Use {cdoe} at the door");
    }

    [Fact]
    public async Task A_message_can_be_cancelled_once_and_only_by_its_owner()
    {
        var name = Unique("Cancel");
        await AddContactAsync(_alice, name, viber: "c");
        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Hi", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

        await (await api.ClientFor("bob").PostAsync($"/api/messages/{id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var cancelled = await (await _alice.PostAsync($"/api/messages/{id}/cancel", null)).JsonAsync(HttpStatusCode.OK);
        var again = await (await _alice.PostAsync($"/api/messages/{id}/cancel", null)).JsonAsync(HttpStatusCode.OK);

        cancelled.GetProperty("position").GetInt64().Should().BePositive();
        again.GetProperty("position").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_messages_history_shows_it_scheduled_before_the_cancel_and_only_to_its_owner()
    {
        var name = Unique("History");
        await AddContactAsync(_alice, name, telegram: "@history", viber: "h");
        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Then", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        await _alice.PostAsync($"/api/messages/{id}/cancel", null);

        var atZero = await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=0")).JsonAsync(HttpStatusCode.OK);
        var now = await (await _alice.GetAsync($"/api/messages/{id}/history?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}")).JsonAsync(HttpStatusCode.OK);

        atZero.GetProperty("status").GetString().Should().Be("scheduled");
        atZero.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("channel").GetString()).Should().Equal("telegram", "viber");
        now.GetProperty("status").GetString().Should().Be("cancelled");
        now.GetProperty("version").GetInt64().Should().Be(1);
        await (await api.ClientFor("bob").GetAsync($"/api/messages/{id}/history?asOf=0")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=soon")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_edit_needs_a_change_and_the_messages_owner_one_refused_or_without_effect_appends_nothing_and_history_keeps_the_text_before()
    {
        var name = Unique("Editor");
        await AddContactAsync(_alice, name, telegram: "@editor_one");
        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Draft", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddDays(1) }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var before = await api.EventCountAsync();

        await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = " " })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await api.ClientFor("bob").PatchAsJsonAsync($"/api/messages/{id}", new { text = "Mine" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var unchanged = await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Draft" })).JsonAsync(HttpStatusCode.OK);
        unchanged.GetProperty("position").ValueKind.Should().Be(JsonValueKind.Null, "the text it has already changes nothing");
        (await api.EventCountAsync()).Should().Be(before);

        // An edit made: the history before it shows the message as it was.
        await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Final" })).JsonAsync(HttpStatusCode.OK);
        (await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=0")).JsonAsync(HttpStatusCode.OK)).GetProperty("text").GetString().Should().Be("Draft");
        (await (await _alice.GetAsync($"/api/messages/{id}/history?asOf=1")).JsonAsync(HttpStatusCode.OK)).GetProperty("text").GetString().Should().Be("Final");

        await _alice.PostAsync($"/api/messages/{id}/cancel", null);
        var cancelled = await api.EventCountAsync();
        var refused = await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Revived" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:message_not_editable");
        refused.GetProperty("detail").GetString().Should().Contain("cancelled");
        (await api.EventCountAsync()).Should().Be(cancelled);
    }

    [Fact]
    public async Task The_read_side_lists_the_owners_messages_by_where_they_stand_with_each_delivery()
    {
        var name = Unique("Reader");
        await AddContactAsync(_alice, name, telegram: "@reader_one", viber: "reader");
        // No node sends here: a message due now stays sending, until its deliveries end as a sender would end them.
        var kept = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Kept", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var later = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Later", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddDays(1) })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var ended = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Ended", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var dropped = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Dropped", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var cancel = await (await _alice.PostAsync($"/api/messages/{dropped}/cancel", null)).JsonAsync(HttpStatusCode.OK);
        var deliveries = await DeliveryFailures.DeliveryIdsAsync(api.Database.ConnectionString, ended);
        var now = DateTimeOffset.UtcNow;
        var position = await DeliveryFailures.AppendAsync(api.Database.ConnectionString, ended,
            new DeliveryAttempted(ended, deliveries[0], 1, now), new DeliverySucceeded(ended, deliveries[0], 1, "provider-1", now),
            new DeliveryAttempted(ended, deliveries[1], 1, now), new DeliveryFailed(ended, deliveries[1], 1, "400 Bad Request", true, now));
        position.Should().BeGreaterThan(cancel.GetProperty("position").GetInt64());

        var listed = (await (await _alice.GetAsync($"/api/messages?minPosition={position}")).JsonAsync(HttpStatusCode.OK)).EnumerateArray()
            .ToDictionary(m => m.GetProperty("id").GetGuid(), m => m.GetProperty("status").GetString());
        var byStatus = new Dictionary<string, IEnumerable<Guid>>();
        foreach (var status in new[] { "scheduled", "sending", "done", "cancelled" })
        {
            byStatus[status] = (await (await _alice.GetAsync($"/api/messages?status={status}")).JsonAsync(HttpStatusCode.OK)).EnumerateArray()
                .Select(m => m.GetProperty("id").GetGuid()).Intersect([kept, later, ended, dropped]).ToList();
        }

        var view = await (await _alice.GetAsync($"/api/messages/{dropped}")).JsonAsync(HttpStatusCode.OK);

        new[] { kept, later, ended, dropped }.Select(m => listed[m]).Should().Equal("sending", "scheduled", "done", "cancelled");
        byStatus.Should().BeEquivalentTo(new Dictionary<string, Guid[]> { ["sending"] = [kept], ["scheduled"] = [later], ["done"] = [ended], ["cancelled"] = [dropped] },
            "a list filtered by a status keeps what the message reads as");
        (await (await _alice.GetAsync($"/api/messages/{ended}")).JsonAsync(HttpStatusCode.OK)).GetProperty("message").GetProperty("status").GetString().Should().Be("done");
        await (await _alice.GetAsync("/api/messages?status=sent")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        view.GetProperty("message").GetProperty("status").GetString().Should().Be("cancelled");
        var progress = view.GetProperty("message").GetProperty("progress");
        new[] { "total", "delivered", "failed", "pending", "cancelled", "discarded" }.Select(p => progress.GetProperty(p).GetInt32())
            .Should().Equal([2, 0, 0, 0, 2, 0], "both deliveries were cancelled");
        view.GetProperty("deliveries").EnumerateArray().Select(d => (d.GetProperty("channel").GetString(), d.GetProperty("status").GetString(), d.GetProperty("cancelReason").GetString()))
            .Should().Equal(("telegram", "cancelled", "the message was cancelled"), ("viber", "cancelled", "the message was cancelled"));
        (await (await _alice.GetAsync($"/api/messages/{kept}")).JsonAsync(HttpStatusCode.OK)).GetProperty("deliveries").EnumerateArray()
            .Should().OnlyContain(d => d.GetProperty("cancelReason").ValueKind == JsonValueKind.Null, "nothing was cancelled");
        await (await api.ClientFor("bob").GetAsync($"/api/messages/{kept}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_time_given_at_any_offset_reaches_the_read_side_as_that_moment()
    {
        // PostgreSQL's timestamptz keeps the moment, and Npgsql refuses to write any offset but UTC:
        // the read models once stalled at such a message, retrying it for ever.
        var name = Unique("Moscow");
        await AddContactAsync(_alice, name, viber: "moscow");
        var accepted = await (await _alice.PostAsync("/api/messages", Http.Json($$"""{"text":"Rehearsal","contactNames":["{{name}}"],"notBefore":"2099-12-24T18:00:00+03:00"}""")))
            .JsonAsync(HttpStatusCode.Accepted);

        var read = await (await _alice.GetAsync($"/api/messages/{accepted.GetProperty("id").GetGuid()}?minPosition={accepted.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);

        read.GetProperty("message").GetProperty("notBefore").GetDateTimeOffset().Should().Be(new DateTimeOffset(2099, 12, 24, 15, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task The_list_pages_back_from_the_last_message_listed_and_only_through_the_owners_messages()
    {
        var reader = api.ClientFor("vera");
        var name = Unique("Pager");
        await AddContactAsync(reader, name, viber: "pager");
        var sent = new List<(Guid Id, long Position)>();
        for (var n = 0; n < 5; n++)
        {
            var accepted = await (await reader.PostAsJsonAsync("/api/messages", new { text = $"Page {n}", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted);
            sent.Add((accepted.GetProperty("id").GetGuid(), accepted.GetProperty("position").GetInt64()));
        }

        var pages = await Pages.ReadAsync(
            reader, 2, last => $"/api/messages?limit=2&minPosition={sent[^1].Position}" + (last is { } m ? $"&beforeId={m.GetProperty("id").GetGuid()}" : ""));

        pages.Select(p => p.Count).Should().Equal(2, 2, 1);
        pages.SelectMany(p => p).Select(m => m.GetProperty("id").GetGuid()).Should().Equal(sent.Select(s => s.Id).Reverse(), "newest first, each once");
        (await (await _alice.GetAsync($"/api/messages?beforeId={sent[^1].Id}")).JsonAsync(HttpStatusCode.OK)).GetArrayLength().Should().Be(0, "another owner's message is no place to page from");
    }

    [Fact]
    public async Task Cancelling_an_unknown_message_is_a_404() =>
        await (await _alice.PostAsync($"/api/messages/{Guid.NewGuid()}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:message_not_found");

    [Fact]
    public async Task Messages_are_listed_by_a_contact_they_went_to_even_one_taken_off_and_only_the_owners()
    {
        var annaId = await AddContactAsync(_alice, Unique("Anna"), telegram: "@anna_by_contact");
        var borisId = await AddContactAsync(_alice, Unique("Boris"), viber: "boris-by-contact");
        var later = DateTimeOffset.UtcNow.AddDays(1);
        var toAnna = await ScheduleForAsync(new { text = "Anna only", contactIds = new[] { annaId }, notBefore = later });
        var toBoris = await ScheduleForAsync(new { text = "Boris only", contactIds = new[] { borisId }, notBefore = later });
        var toBoth = await ScheduleForAsync(new { text = "Both", contactIds = new[] { annaId, borisId }, notBefore = later });
        var takenOff = await (await _alice.PostAsJsonAsync($"/api/messages/{toBoth}/recipients/remove", new { contactIds = new[] { annaId } })).JsonAsync(HttpStatusCode.OK);
        var seen = $"minPosition={takenOff.GetProperty("position").GetInt64()}";

        (await _alice.IdsAsync($"/api/messages?contactId={annaId}&{seen}")).Should().Equal([toBoth, toAnna], "newest first, the one it was taken off too");
        (await _alice.IdsAsync($"/api/messages?contactId={borisId}&limit=1&{seen}")).Should().Equal(toBoth);
        (await _alice.IdsAsync($"/api/messages?contactId={borisId}&limit=1&beforeId={toBoth}&{seen}")).Should().Equal(toBoris);
        (await _alice.IdsAsync($"/api/messages?contactId={Guid.NewGuid()}&{seen}")).Should().BeEmpty();
        (await api.ClientFor("bob").IdsAsync($"/api/messages?contactId={annaId}&{seen}")).Should().BeEmpty("another user's contact lists none of their messages");
        await (await _alice.GetAsync("/api/messages?contactId=anna")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    private async Task<Guid> ScheduleForAsync(object message) =>
        (await (await _alice.PostAsJsonAsync("/api/messages", message)).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";

    private static async Task<Guid> AddContactAsync(HttpClient client, string name, string? telegram = null, string? whatsApp = null, string? viber = null)
    {
        var response = await client.PostAsJsonAsync("/api/contacts", new { name, telegram, whatsApp, viber });
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }
}
