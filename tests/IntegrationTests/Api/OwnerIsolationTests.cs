using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// Alice's contacts, groups, messages and vera's conversation are out of reach for bob over every endpoint
/// that takes their ids, and every list leaves them out; operator-only, manager-only and
/// source-only endpoints refuse the wrong role. A meta-check keeps the table complete.
/// </summary>
public sealed class OwnerIsolationTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private const string Secret = "Alice secret contact";

    // Operations whose ids are not owned by a user, with where their isolation is proven instead.
    private static readonly HashSet<string> Elsewhere =
    [
        "GET /api/conversations/{id}/live", "GET /api/visitors/{visitorId}/live", // LiveChannelTests: participants only
        "POST /api/ingest/{kind}", "GET /api/ticket-events/{id}", "GET /api/orders/{id}", "GET /api/orders/{id}/history", // by role below
        "POST /api/admin/projections/{name}/rebuild", "POST /api/admin/projections/{name}/reset", "GET /api/audit/streams/{stream}", // by role below
        "GET /api/admin/projections/{name}/dead-letters", "POST /api/admin/projections/{name}/dead-letters/{id}/replay", // by role below
        "DELETE /api/admin/projections/{name}/dead-letters/{id}", "POST /api/admin/projections/{name}/dead-letters/replay", // by role below
        "PUT /api/managers/{id}/duty", // by role below
        "POST /api/ingest/dead-letters/{id}/replay", "DELETE /api/ingest/dead-letters/{id}", // operators only: DeadLetterTests
    ];

    [Fact]
    public async Task Another_user_can_neither_read_nor_change_an_owners_resources_by_id()
    {
        var (contact, message, conversation, chatMessage, group) = await AlicesThingsAsync();
        var bob = api.ClientFor("bob");
        // Bob names a contact of his own, so only the message is another's.
        var bobsContact = (await (await bob.PostAsJsonAsync("/api/contacts", new { name = $"Bob's {Guid.NewGuid():N}", telegram = "@bobs_friend" })).JsonAsync(HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        var cases = new (string Operation, string Path, object? Body)[]
        {
            ("GET /api/contacts/{id}", $"/api/contacts/{contact}", null),
            ("PATCH /api/contacts/{id}", $"/api/contacts/{contact}", new { name = "Stolen" }),
            ("DELETE /api/contacts/{id}", $"/api/contacts/{contact}", null),
            ("GET /api/contacts/{id}/history", $"/api/contacts/{contact}/history?asOf=0", null),
            ("POST /api/contacts/{id}/forget", $"/api/contacts/{contact}/forget", new { reason = "Stealing" }),
            ("GET /api/groups/{id}", $"/api/groups/{group}", null),
            ("PATCH /api/groups/{id}", $"/api/groups/{group}", new { name = "Stolen" }),
            ("DELETE /api/groups/{id}", $"/api/groups/{group}", null),
            ("POST /api/groups/{id}/members", $"/api/groups/{group}/members", new { contactIds = new[] { contact } }),
            ("POST /api/groups/{id}/members/remove", $"/api/groups/{group}/members/remove", new { contactIds = new[] { contact } }),
            ("GET /api/messages/{id}", $"/api/messages/{message}", null),
            ("PATCH /api/messages/{id}", $"/api/messages/{message}", new { text = "Stolen" }),
            ("GET /api/messages/{id}/history", $"/api/messages/{message}/history?asOf=0", null),
            ("POST /api/messages/{id}/cancel", $"/api/messages/{message}/cancel", null),
            ("POST /api/messages/{id}/recipients", $"/api/messages/{message}/recipients", new { contactIds = new[] { bobsContact } }),
            ("POST /api/messages/{id}/recipients/remove", $"/api/messages/{message}/recipients/remove", new { contactIds = new[] { contact } }),
            ("POST /api/conversations/{id}/messages", $"/api/conversations/{conversation}/messages", new { content = "Intruding" }),
            ("GET /api/conversations/{id}/messages", $"/api/conversations/{conversation}/messages", null),
            ("POST /api/conversations/{id}/messages/{messageId}/read", $"/api/conversations/{conversation}/messages/{chatMessage}/read", null),
            ("POST /api/conversations/{id}/messages/{messageId}/hide", $"/api/conversations/{conversation}/messages/{chatMessage}/hide", new { forEveryone = true }),
            ("POST /api/conversations/{id}/transfer", $"/api/conversations/{conversation}/transfer", new { managerId = "bob" }),
            ("POST /api/conversations/{id}/close", $"/api/conversations/{conversation}/close", null),
            ("GET /api/conversations/{id}/history", $"/api/conversations/{conversation}/history?asOf=0", null),
        };

        var before = await api.EventCountAsync();
        foreach (var (operation, path, body) in cases)
        {
            var method = new HttpMethod(operation.Split(' ')[0]);
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.TryAddWithoutValidation("If-Match", "\"0\"");
            using var response = await bob.SendAsync(request);
            response.StatusCode.Should().BeOneOf([HttpStatusCode.NotFound, HttpStatusCode.Forbidden], operation);
            (await response.Content.ReadAsStringAsync()).Should().NotContain(Secret, operation);
        }

        (await api.EventCountAsync()).Should().Be(before, "nothing of alice's changed");
        var documented = await PathOperationsWithIdsAsync();
        documented.Except(cases.Select(c => c.Operation)).Except(Elsewhere).Should().BeEmpty("every operation on an id is checked here or named where it is");
    }

    [Fact]
    public async Task Lists_show_each_user_only_their_own()
    {
        var (_, message, conversation, _, group) = await AlicesThingsAsync();
        var bob = api.ClientFor("bob");

        foreach (var path in new[] { "/api/contacts", "/api/groups", "/api/messages", "/api/deliveries/failed", "/api/conversations?visitorId=vera", "/api/conversations" })
        {
            HttpResponseMessage response = null!;
            // On a fresh store a read model answers 503 until it exists.
            await Eventually.HoldsAsync(async () => (response = await bob.GetAsync(path)).StatusCode != HttpStatusCode.ServiceUnavailable, $"{path} to serve");
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            var body = await response.Content.ReadAsStringAsync();
            body.Should().NotContain(Secret, path).And.NotContain(message.ToString(), path).And.NotContain(conversation.ToString(), path).And.NotContain(group.ToString(), path);
        }
    }

    [Fact]
    public async Task Operator_manager_and_source_endpoints_refuse_other_roles()
    {
        var user = api.ClientFor("bob");
        var deploySource = api.ClientFor("ci");
        var ticketSource = api.ClientFor("ticketland");
        var checks = new (HttpClient Client, HttpMethod Method, string Path)[]
        {
            (user, HttpMethod.Get, "/api/audit"),
            (user, HttpMethod.Get, "/api/audit/streams/contacts-alice"),
            (user, HttpMethod.Get, "/api/admin/projections"),
            (user, HttpMethod.Get, "/api/admin/reactors"),
            (user, HttpMethod.Get, "/api/admin/deliveries/backlog"),
            (user, HttpMethod.Get, "/api/admin/deliveries/overdue"),
            (user, HttpMethod.Post, "/api/admin/projections/contacts/rebuild"),
            (user, HttpMethod.Post, "/api/admin/projections/contacts/reset"),
            (user, HttpMethod.Get, "/api/admin/projections/contacts/dead-letters"),
            (user, HttpMethod.Post, "/api/admin/projections/contacts/dead-letters/1/replay"),
            (user, HttpMethod.Post, "/api/admin/projections/contacts/dead-letters/replay"),
            (user, HttpMethod.Post, "/api/ingest/dead-letters/replay"),
            (user, HttpMethod.Delete, "/api/admin/projections/contacts/dead-letters/1"),
            (user, HttpMethod.Put, "/api/managers/mia/duty"),
            (user, HttpMethod.Post, "/api/deploys"),
            (user, HttpMethod.Post, "/api/ingest/orders"),
            (user, HttpMethod.Get, "/api/orders/o-1"),
            (deploySource, HttpMethod.Post, "/api/ingest/orders"),
            (deploySource, HttpMethod.Get, "/api/tickets"),
            (deploySource, HttpMethod.Get, "/api/contacts"),
            (ticketSource, HttpMethod.Post, "/api/deploys"),
            (ticketSource, HttpMethod.Post, "/source/qloud"),
            (ticketSource, HttpMethod.Get, "/api/audit"),
        };

        foreach (var (client, method, path) in checks)
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Get ? null : new StringContent("{}", Encoding.UTF8, "application/json") };
            (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Forbidden, $"{method} {path}");
        }
    }

    private async Task<(Guid Contact, Guid Message, Guid Conversation, Guid ChatMessage, Guid Group)> AlicesThingsAsync()
    {
        var alice = api.ClientFor("alice");
        var name = $"{Secret} {Guid.NewGuid():N}"[..40];
        var contact = (await (await alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@alice_secret" })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var message = (await (await alice.PostAsJsonAsync("/api/messages", new { text = Secret, contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var group = (await (await alice.PostAsJsonAsync("/api/groups", new { name, contactIds = new[] { contact } })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var mia = api.ClientFor("mia");
        await mia.PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true });
        var vera = api.ClientFor("vera");
        var opened = await vera.PostAsJsonAsync("/api/conversations", new { });
        var conversation = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var posted = await (await vera.PostAsJsonAsync($"/api/conversations/{conversation}/messages", new { content = Secret })).JsonAsync(HttpStatusCode.Created);

        // The ids are right: their owner reads them.
        (await alice.GetAsync($"/api/contacts/{contact}/history?asOf=0")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await alice.GetAsync($"/api/messages/{message}/history?asOf=0")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await alice.GetAsync($"/api/groups/{group}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await vera.GetAsync($"/api/conversations/{conversation}/history?asOf=0")).StatusCode.Should().Be(HttpStatusCode.OK);
        return (contact, message, conversation, posted.GetProperty("messageId").GetGuid(), group);
    }

    private async Task<IReadOnlyList<string>> PathOperationsWithIdsAsync()
    {
        var document = JsonDocument.Parse(await api.ClientFor("alice").GetStringAsync("/openapi/v1.json")).RootElement;
        return [.. document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.Contains('{', StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete").Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))];
    }
}
