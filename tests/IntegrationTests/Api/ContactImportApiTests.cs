using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>A list of contacts brought from elsewhere is added in one command, all of it or none; the book goes out as one file.</summary>
public sealed class ContactImportApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task An_import_adds_every_contact_at_once_each_readable_by_name_and_listed()
    {
        var (anna, boris, vera) = (Unique("Anna"), Unique("Boris"), Unique("Vera"));

        var imported = await (await ImportAsync(new[]
        {
            new { name = anna, telegram = "@anna_k", whatsApp = (string?)"+49 151 1234 5678", viber = (string?)null },
            new { name = boris, telegram = "@boris_b", whatsApp = (string?)null, viber = (string?)"boris-v" },
            new { name = vera, telegram = "", whatsApp = (string?)null, viber = (string?)"vera-v" },
        })).JsonAsync(HttpStatusCode.OK);

        var added = imported.GetProperty("added").EnumerateArray().Select(a => (Id: a.GetProperty("id").GetGuid(), Name: a.GetProperty("name").GetString())).ToList();
        added.Select(a => a.Name).Should().Equal(anna, boris, vera);
        imported.GetProperty("skipped").GetArrayLength().Should().Be(0);
        var annaRead = await (await _alice.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(anna)}")).JsonAsync(HttpStatusCode.OK);
        annaRead.GetProperty("id").GetGuid().Should().Be(added[0].Id);
        annaRead.GetProperty("whatsApp").GetString().Should().Be("+4915112345678");
        var veraRead = await (await _alice.GetAsync($"/api/contacts/{added[2].Id}")).JsonAsync(HttpStatusCode.OK);
        veraRead.GetProperty("telegram").ValueKind.Should().Be(JsonValueKind.Null, "an empty id means none, as in a single add");

        var position = imported.GetProperty("position").GetInt64();
        var listed = await (await _alice.GetAsync($"/api/contacts?pageSize=500&minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        listed.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).Should().Contain(added.Select(a => a.Id));
    }

    [Fact]
    public async Task An_import_naming_a_contact_already_in_the_book_is_a_409_listing_it_and_adds_nothing_unless_it_skips_existing_names()
    {
        var existing = Unique("Gleb");
        (await _alice.PostAsJsonAsync("/api/contacts", new { name = existing, telegram = "@gleb_first" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var newcomer = Unique("Dina");
        var rows = new[] { new { name = newcomer, viber = "dina-v" }, new { name = existing.ToUpperInvariant(), viber = "gleb-v" } };
        var before = await api.EventCountAsync();

        var refused = await (await ImportAsync(rows)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:contact_name_taken");

        refused.GetProperty("names").EnumerateArray().Select(n => n.GetString()).Should().Equal(existing.ToUpperInvariant());
        (await api.EventCountAsync()).Should().Be(before);

        var imported = await (await ImportAsync(rows, skipExisting: true)).JsonAsync(HttpStatusCode.OK);

        imported.GetProperty("added").EnumerateArray().Select(a => a.GetProperty("name").GetString()).Should().Equal(newcomer);
        imported.GetProperty("skipped").EnumerateArray().Select(n => n.GetString()).Should().Equal(existing.ToUpperInvariant());
        var gleb = await (await _alice.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(existing)}")).JsonAsync(HttpStatusCode.OK);
        (gleb.GetProperty("telegram").GetString(), gleb.GetProperty("viber").ValueKind).Should().Be(("@gleb_first", JsonValueKind.Null), "an existing contact is left as it was");
    }

    [Fact]
    public async Task An_import_with_bad_rows_is_a_400_naming_each_row_and_field_and_adds_nothing()
    {
        var twice = Unique("Egor");
        var before = await api.EventCountAsync();

        var problem = await (await ImportAsync(new[]
        {
            new { name = twice, telegram = (string?)"@egor_e", whatsApp = (string?)null },
            new { name = Unique("Fedor"), telegram = (string?)null, whatsApp = (string?)"12" },
            new { name = twice.ToLowerInvariant(), telegram = (string?)"@egor_2", whatsApp = (string?)null },
            new { name = "", telegram = (string?)"@nameless", whatsApp = (string?)null },
        })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");

        var errors = problem.GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).Should().BeEquivalentTo("contacts[1].whatsApp", "contacts[2].name", "contacts[3].name");
        errors.GetProperty("contacts[2].name")[0].GetString().Should().Contain("contacts[0]");
        await (await ImportAsync(Array.Empty<object>())).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await ImportAsync(Enumerable.Range(0, 1001).Select(i => new { name = $"Many {i}", viber = $"many-{i}" }))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task An_import_sent_again_with_its_idempotency_key_gets_the_first_answer_and_adds_nothing_twice()
    {
        var rows = new[] { new { name = Unique("Inna"), viber = "inna-v" }, new { name = Unique("Ilya"), viber = "ilya-v" } };
        var key = Guid.NewGuid().ToString();

        var first = await (await ImportAsync(rows, key: key)).JsonAsync(HttpStatusCode.OK);
        var before = await api.EventCountAsync();
        var again = await (await ImportAsync(rows, key: key)).JsonAsync(HttpStatusCode.OK);

        again.GetRawText().Should().Be(first.GetRawText());
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task An_export_is_the_book_as_it_is_now_as_csv_by_name_leaving_out_removed_and_forgotten_contacts_and_other_owners()
    {
        var bob = api.ClientFor("bob");
        async Task<Guid> AddAsync(object contact) =>
            (await (await bob.PostAsJsonAsync("/api/contacts", contact)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await AddAsync(new { name = "Zoe, \"Z\" Petrova", telegram = "@zoe_petrova", viber = "zoe-v" });
        await AddAsync(new { name = "anna", whatsApp = "+4915100000042" });
        await AddAsync(new { name = "Boris", viber = "boris-v" });
        var removed = await AddAsync(new { name = "Removed", viber = "removed-v" });
        var forgotten = await AddAsync(new { name = "Forgotten", viber = "forgotten-v" });
        (await bob.DeleteAsync($"/api/contacts/{removed}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await bob.PostAsJsonAsync($"/api/contacts/{forgotten}/forget", new { reason = "asked to be forgotten" })).JsonAsync(HttpStatusCode.OK);
        (await _alice.PostAsJsonAsync("/api/contacts", new { name = Unique("Alices"), viber = "alices-v" })).StatusCode.Should().Be(HttpStatusCode.Created);

        // Asked at once, with no position to wait for: the book is read, not a read model.
        using var exported = await bob.GetAsync("/api/contacts/export");

        exported.StatusCode.Should().Be(HttpStatusCode.OK);
        exported.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        exported.Content.Headers.ContentDisposition!.FileName.Should().Be("contacts.csv");
        (exported.Headers.GetValues("Contacts-Exported").Single(), exported.Headers.GetValues("Contacts-Left-Out").Single()).Should().Be(("3", "1"));
        (await exported.Content.ReadAsStringAsync()).ReplaceLineEndings("\n").Should().Be(
            "name,telegram,whatsapp,viber\n"
            + "anna,,+4915100000042,\n"
            + "Boris,,,boris-v\n"
            + "\"Zoe, \"\"Z\"\" Petrova\",@zoe_petrova,,zoe-v\n");
    }

    private Task<HttpResponseMessage> ImportAsync<T>(IEnumerable<T> contacts, bool skipExisting = false, string? key = null) =>
        key is null
            ? _alice.PostAsJsonAsync("/api/contacts/import", new { contacts, skipExisting })
            : _alice.PostWithKeyAsync("/api/contacts/import", new { contacts, skipExisting }, key);

    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";
}
