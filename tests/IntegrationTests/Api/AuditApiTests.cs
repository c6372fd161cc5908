using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class AuditApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task An_operator_reads_a_stream_with_every_events_metadata_and_users_cannot()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/contacts") { Content = JsonContent.Create(new { name = $"A {Guid.NewGuid():N}", viber = "a" }) };
        request.Headers.Add("X-Correlation-Id", "audit-corr-1");
        await api.ClientFor("alice").SendAsync(request);

        var page = await (await _ops.GetAsync("/api/audit/streams/contacts-alice")).JsonAsync(HttpStatusCode.OK);

        var first = page.GetProperty("events")[0];
        first.GetProperty("type").GetString().Should().Be("contact_added");
        first.GetProperty("metadata").GetProperty("actor").GetString().Should().Be("alice");
        first.GetProperty("data").GetProperty("ownerId").GetString().Should().Be("alice");
        await (await api.ClientFor("alice").GetAsync("/api/audit/streams/contacts-alice")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_search_by_type_and_actor_pages_with_a_cursor()
    {
        var bob = api.ClientFor("bob");
        for (var i = 0; i < 3; i++)
        {
            await bob.PostAsJsonAsync("/api/contacts", new { name = $"B{i} {Guid.NewGuid():N}", viber = "b" });
        }

        await api.ClientFor("alice").PostAsJsonAsync("/api/contacts", new { name = $"A {Guid.NewGuid():N}", viber = "a" });

        var first = await (await _ops.GetAsync("/api/audit?type=contact_added&actor=bob&count=2")).JsonAsync(HttpStatusCode.OK);
        var next = first.GetProperty("next").GetInt64();
        var second = await (await _ops.GetAsync($"/api/audit?type=contact_added&actor=bob&count=2&after={next}")).JsonAsync(HttpStatusCode.OK);

        Actors(first).Should().Equal("bob", "bob");
        Actors(second).Should().Equal("bob");
        second.GetProperty("next").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_search_by_correlation_id_or_time_range_finds_just_those_events()
    {
        var correlation = $"corr-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/contacts") { Content = JsonContent.Create(new { name = $"C {Guid.NewGuid():N}", viber = "c" }) };
        request.Headers.Add("X-Correlation-Id", correlation);
        await api.ClientFor("vera").SendAsync(request);

        var correlated = await (await _ops.GetAsync($"/api/audit?correlationId={correlation}")).JsonAsync(HttpStatusCode.OK);
        var future = await (await _ops.GetAsync($"/api/audit?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"))}")).JsonAsync(HttpStatusCode.OK);

        Actors(correlated).Should().Equal("vera");
        future.GetProperty("events").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_type_neither_written_nor_stored_is_a_400_naming_the_types_and_a_newer_builds_stored_type_is_searched()
    {
        // A type this build does not write, as a newer build's would be in a rolling upgrade.
        var stream = $"contacts-newer{Guid.NewGuid():N}";
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            await node.Store.AppendAsync(stream, ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "contact_nicknamed", "{}", EventMetadata.Empty)]);
        }

        var misspelt = await (await _ops.GetAsync("/api/audit?type=contact_add")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        var newer = await (await _ops.GetAsync("/api/audit?type=contact_nicknamed")).JsonAsync(HttpStatusCode.OK);

        misspelt.GetProperty("errors").GetProperty("type")[0].GetString().Should().StartWith("No event of type 'contact_add' is stored.").And.Contain("contact_added");
        newer.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("streamId").GetString()).Should().Equal(stream);
    }

    [Fact]
    public async Task A_contacts_history_shows_it_as_it_was_at_a_revision_or_a_moment()
    {
        var vlad = api.ClientFor("vlad");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var id = (await (await vlad.PostAsJsonAsync("/api/contacts", new { name = $"Old {Guid.NewGuid():N}"[..10], viber = "v" })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await vlad.PatchAsync($"/api/contacts/{id}", Http.Json("""{"name":"Middle"}"""));
        await vlad.PatchAsync($"/api/contacts/{id}", Http.Json("""{"name":"New"}"""));

        var atZero = await (await vlad.GetAsync($"/api/contacts/{id}/history?asOf=0")).JsonAsync(HttpStatusCode.OK);
        var atOne = await (await vlad.GetAsync($"/api/contacts/{id}/history?asOf=1")).JsonAsync(HttpStatusCode.OK);

        atZero.GetProperty("name").GetString().Should().StartWith("Old");
        atOne.GetProperty("name").GetString().Should().Be("Middle");
        atOne.GetProperty("revision").GetInt64().Should().Be(1);
        await (await vlad.GetAsync($"/api/contacts/{id}/history?asOf={Uri.EscapeDataString(before.ToString("O"))}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await vlad.GetAsync($"/api/contacts/{id}/history?asOf=yesterday")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await api.ClientFor("bob").GetAsync($"/api/contacts/{id}/history?asOf=0")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    private static IEnumerable<string?> Actors(JsonElement page) =>
        page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("metadata").GetProperty("actor").GetString());
}
