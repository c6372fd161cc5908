using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class ContactApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private const string Validation = "urn:eventsourced:problem:validation";
    private readonly HttpClient _alice = api.ClientFor("alice");
    private readonly HttpClient _bob = api.ClientFor("bob");

    [Fact]
    public async Task Adding_a_contact_returns_201_with_location_revision_and_position_and_it_reads_back_in_E164()
    {
        var response = await _alice.PostAsJsonAsync("/api/contacts", new { name = Unique("Artem"), telegram = "@artem_ivanov", whatsApp = "+49 151 1234 5678" });

        var created = await response.JsonAsync(HttpStatusCode.Created);
        response.Headers.ETag!.Tag.Should().Be("\"0\"");
        created.GetProperty("revision").GetInt64().Should().Be(0);
        created.GetProperty("position").GetInt64().Should().BePositive();

        var read = await _alice.GetAsync(response.Headers.Location);
        var contact = await read.JsonAsync(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.Should().Be("\"0\"");
        contact.GetProperty("id").GetGuid().Should().Be(created.GetProperty("id").GetGuid());
        contact.GetProperty("telegram").GetString().Should().Be("@artem_ivanov");
        contact.GetProperty("whatsApp").GetString().Should().Be("+4915112345678", "a number as people write it is kept in E.164");
        contact.GetProperty("viber").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_contact_is_read_by_name_in_any_case_at_once_and_another_owners_or_a_removed_one_is_a_404()
    {
        var name = Unique("Anna / work");
        var id = await AddAsync(_alice, name);

        // Straight after the add, from the contact book: the list (a read model) may not show it yet.
        var byName = await _alice.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(name.ToUpperInvariant())}");
        var contact = await byName.JsonAsync(HttpStatusCode.OK);
        (contact.GetProperty("id").GetGuid(), contact.GetProperty("name").GetString()).Should().Be((id, name));
        byName.Headers.ETag!.Tag.Should().Be("\"0\"");

        await (await _bob.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(name)}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:not-found");
        (await _alice.DeleteAsync($"/api/contacts/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await _alice.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(name)}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _alice.GetAsync("/api/contacts/by-name")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_second_contact_with_the_same_name_is_a_409_and_appends_nothing()
    {
        var name = Unique("Artem");
        await AddAsync(_alice, name);
        var before = await api.EventCountAsync();

        var response = await _alice.PostAsJsonAsync("/api/contacts", new { name = name.ToUpperInvariant(), viber = "other" });

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:contact_name_taken");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Another_owner_may_use_the_same_name_and_cannot_see_reach_or_remove_the_first_owners_contact()
    {
        var name = Unique("Artem");
        var aliceContact = await AddAsync(_alice, name);
        await AddAsync(_bob, name);

        (await _bob.GetAsync($"/api/contacts/{aliceContact}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _bob.PatchAsync($"/api/contacts/{aliceContact}", Http.Json("""{"name":"Hijacked"}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await _bob.DeleteAsync($"/api/contacts/{aliceContact}");
        (await (await _alice.GetAsync($"/api/contacts/{aliceContact}")).JsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString().Should().Be(name);
    }

    [Fact]
    public async Task Patch_changes_given_fields_removes_ids_sent_as_null_and_moves_the_revision()
    {
        var id = await AddAsync(_alice, Unique("Olga"), telegram: "@olga_petrova", viber: "olga");

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/contacts/{id}") { Content = Http.Json("""{"viber":null,"whatsApp":"+7 (916) 123-45-67"}""") };
        request.Headers.IfMatch.ParseAdd("\"0\"");
        var response = await _alice.SendAsync(request);

        (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("revision").GetInt64().Should().Be(1);
        var contact = await (await _alice.GetAsync($"/api/contacts/{id}")).JsonAsync(HttpStatusCode.OK);
        contact.GetProperty("telegram").GetString().Should().Be("@olga_petrova");
        contact.GetProperty("whatsApp").GetString().Should().Be("+79161234567");
        contact.GetProperty("viber").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Patch_with_a_stale_if_match_is_a_412_and_changes_nothing()
    {
        var id = await AddAsync(_alice, Unique("Ivan"));
        await _alice.PatchAsync($"/api/contacts/{id}", Http.Json("""{"viber":"ivan-2"}"""));
        var before = await api.EventCountAsync();

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/contacts/{id}") { Content = Http.Json("""{"viber":"ivan-3"}""") };
        request.Headers.IfMatch.ParseAdd("\"0\"");
        var response = await _alice.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "urn:eventsourced:problem:contact_changed");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Patch_that_would_leave_no_messenger_is_refused()
    {
        var id = await AddAsync(_alice, Unique("Solo"));

        var response = await _alice.PatchAsync($"/api/contacts/{id}", Http.Json("""{"viber":null}"""));

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:invalid_contact");
    }

    [Fact]
    public async Task A_removed_contact_is_gone_removing_again_is_harmless_and_its_name_is_free()
    {
        var name = Unique("Temp");
        var id = await AddAsync(_alice, name);

        (await _alice.DeleteAsync($"/api/contacts/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await _alice.DeleteAsync($"/api/contacts/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await _alice.GetAsync($"/api/contacts/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await AddAsync(_alice, name);
    }

    [Fact]
    public async Task Removing_an_unknown_contact_is_a_404()
    {
        var response = await _alice.DeleteAsync($"/api/contacts/{Guid.NewGuid()}");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:contact_not_found");
    }

    [Fact]
    public async Task The_correlation_id_of_the_request_is_echoed_and_stored_with_the_event()
    {
        var correlationId = $"corr-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/contacts") { Content = JsonContent.Create(new { name = Unique("Olga"), viber = "olga-viber" }) };
        request.Headers.Add("X-Correlation-Id", correlationId);
        request.Headers.Add("X-Causation-Id", "cause-42");

        var response = await _alice.SendAsync(request);

        response.Headers.GetValues("X-Correlation-Id").Should().Equal(correlationId);
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        var stored = await node.Store.ReadByCorrelationIdAsync(correlationId, 10);
        stored.Should().ContainSingle().Which.Metadata.CausationId.Should().Be("cause-42");
        stored[0].Metadata.Actor.Should().Be("alice");
        stored[0].Type.Should().Be("contact_added");
    }

    [Theory]
    [InlineData("""{"name":"Artem"}""", "messengers")]
    [InlineData("""{"name":"Artem","whatsApp":"12345"}""", "whatsApp")]
    [InlineData("""{"name":"Artem","telegram":"@a b"}""", "telegram")]
    [InlineData("""{"name":"","viber":"v1"}""", "name")]
    [InlineData("""{"viber":"v1"}""", "name")]
    [InlineData("""{"name":"[erased]","viber":"v1"}""", "name")]
    [InlineData("""{"name":"Artem","viber":"[unreadable]"}""", "viber")]
    public async Task An_invalid_contact_is_a_400_listing_the_field_and_appends_nothing(string body, string field)
    {
        var before = await api.EventCountAsync();

        var response = await _alice.PostAsync("/api/contacts", Http.Json(body));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, Validation);
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData("""{"name":"Artem","telegram":""")]
    [InlineData("""{"name":42,"telegram":"@artem_ivanov"}""")]
    [InlineData("""{"name":"Artem","telegram":"@artem_ivanov","owner":"someone-else"}""")]
    [InlineData("""[]""")]
    [InlineData("")]
    public async Task A_body_that_cannot_be_read_is_a_400_problem_and_appends_nothing(string body)
    {
        var before = await api.EventCountAsync();

        var response = await _alice.PostAsync("/api/contacts", Http.Json(body));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:bad-request");
        response.Headers.Contains("X-Correlation-Id").Should().BeTrue();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task An_oversized_body_is_a_413_problem_and_appends_nothing()
    {
        var before = await api.EventCountAsync();
        var huge = $$"""{"name":"{{new string('a', 300 * 1024)}}","viber":"x"}""";

        var response = await _alice.PostAsync("/api/contacts", Http.Json(huge));

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        var response = await _alice.PostAsync("/api/contacts", new StringContent("name=Artem", System.Text.Encoding.UTF8, "text/plain"));

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_malformed_if_match_is_a_400()
    {
        var id = await AddAsync(_alice, Unique("Etag"));
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/contacts/{id}") { Content = Http.Json("""{"viber":"x"}""") };
        request.Headers.TryAddWithoutValidation("If-Match", "\"abc\"");

        await (await _alice.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Without_a_key_it_is_a_401_problem_and_with_an_unknown_key_too()
    {
        var anonymous = api.CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/contacts", new { name = "X", viber = "x" });
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().NotBeEmpty();

        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key");
        await (await anonymous.GetAsync($"/api/contacts/{Guid.NewGuid()}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_operator_or_a_source_key_cannot_use_contacts()
    {
        await (await api.ClientFor("ops").GetAsync($"/api/contacts/{Guid.NewGuid()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await api.ClientFor("ci").PostAsJsonAsync("/api/contacts", new { name = "X", viber = "x" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_openapi_document_is_public_and_describes_the_contact_endpoints()
    {
        var document = await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        document.GetProperty("paths").TryGetProperty("/api/contacts", out _).Should().BeTrue();
        document.GetProperty("paths").TryGetProperty("/api/contacts/{id}", out _).Should().BeTrue();
    }

    private static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";

    private static async Task<Guid> AddAsync(HttpClient client, string name, string? telegram = null, string? viber = "viber-id")
    {
        var response = await client.PostAsJsonAsync("/api/contacts", new { name, telegram, viber });
        return (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
    }
}
