using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.IdentityModel.Tokens;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Anonymous site visitors chat with a short-lived token the site's backend obtains (or mints itself) for their visitor id.</summary>
public sealed class VisitorTokenTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>, IAsyncLifetime
{
    public async Task InitializeAsync() => (await api.ClientFor("mia").PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).EnsureSuccessStatusCode();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_visitor_with_a_token_from_the_site_opens_writes_and_reads_only_their_own_chat()
    {
        var visitor = $"visitor-{Guid.NewGuid():N}";
        var minted = await (await api.ClientFor("shop").PostAsJsonAsync("/api/visitor-tokens", new { visitorId = visitor })).JsonAsync(HttpStatusCode.OK);
        var asVisitor = Bearer(minted.GetProperty("token").GetString()!);

        var opened = await (await asVisitor.PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created);
        var id = opened.GetProperty("id").GetGuid();
        var posted = await (await asVisitor.PostAsJsonAsync($"/api/conversations/{id}/messages", new { content = "Is the blue one in stock?" })).JsonAsync(HttpStatusCode.Created);
        var page = await (await asVisitor.GetAsync($"/api/conversations/{id}/messages?minPosition={posted.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);

        opened.GetProperty("visitorId").GetString().Should().Be(visitor);
        page.ToString().Should().Contain("Is the blue one in stock?");
        minted.GetProperty("expiresAt").GetDateTimeOffset().Should().BeAfter(DateTimeOffset.UtcNow).And.BeBefore(DateTimeOffset.UtcNow.AddHours(2));
        // A visitor is a visitor only: no contacts, no other visitor's chat or channel.
        await (await asVisitor.GetAsync("/api/contacts")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await asVisitor.PostAsJsonAsync("/api/conversations", new { visitorId = "someone-else" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await asVisitor.GetAsync("/api/visitors/someone-else/live")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await Bearer(Mint("a-stranger")).GetAsync($"/api/conversations/{id}/messages")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        // A browser's EventSource sends no headers: its channel takes the token in the query.
        using var channel = await api.CreateClient().GetAsync($"/api/visitors/{visitor}/live?access_token={minted.GetProperty("token").GetString()}", HttpCompletionOption.ResponseHeadersRead);
        (channel.StatusCode, channel.Content.Headers.ContentType!.MediaType).Should().Be((HttpStatusCode.OK, "text/event-stream"));
        await (await api.CreateClient().GetAsync($"/api/visitors/{visitor}/live?access_token={Mint("a-stranger")}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_token_the_site_minted_offline_with_the_shared_key_works_and_expired_forged_or_foreign_ones_get_401()
    {
        var visitor = $"visitor-{Guid.NewGuid():N}";

        (await Bearer(Mint(visitor)).PostAsJsonAsync("/api/conversations", new { })).StatusCode.Should().Be(HttpStatusCode.Created);

        await (await Bearer(Mint(visitor, expires: DateTime.UtcNow.AddMinutes(-5))).GetAsync("/api/conversations")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await Bearer(Mint(visitor, key: "another-key-of-at-least-thirty-two-bytes!")).GetAsync("/api/conversations")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await Bearer(Mint(visitor, audience: "someone-elses-api")).GetAsync("/api/conversations")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await Bearer("not.a.token").GetAsync("/api/conversations")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_operator_command_line_mints_a_token_with_the_configured_key()
    {
        var visitor = $"visitor-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:EventStore"] = api.Database.ConnectionString, ["Chat:VisitorTokens:SigningKey"] = EmptyStoreApi.VisitorTokenKey };

        var (code, output) = await OperatorCli.RunAsync(settings, "keys", "visitor-token", "--visitor", visitor);

        code.Should().Be(0);
        (await Bearer(output.Split('\n')[0].Trim()).PostAsJsonAsync("/api/conversations", new { })).StatusCode.Should().Be(HttpStatusCode.Created);
        (await OperatorCli.RunAsync(new Dictionary<string, string?> { ["Chat:VisitorTokens:SigningKey"] = "short" }, "keys", "visitor-token", "--visitor", visitor)).Code.Should().Be(2);
    }

    [Fact]
    public async Task A_token_claiming_a_role_is_still_only_its_visitor_and_only_a_site_key_mints_tokens()
    {
        var manager = Bearer(Mint("mia", extra: [new Claim("role", "manager"), new Claim(ClaimTypes.Role, "operator")]));

        await (await manager.GetAsync("/api/managers")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await api.ClientFor("alice").PostAsJsonAsync("/api/visitor-tokens", new { visitorId = "v" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await api.ClientFor("shop").PostAsJsonAsync("/api/visitor-tokens", new { visitorId = "" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    private HttpClient Bearer(string token)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>What a site's backend does with any JWT library and the shared key (here System.IdentityModel.Tokens.Jwt).</summary>
    private static string Mint(string visitor, DateTime? expires = null, string key = EmptyStoreApi.VisitorTokenKey, string audience = "eventsourced-chat", Claim[]? extra = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        var token = new JwtSecurityToken(
            issuer: "eventsourced", audience: audience, claims: [new Claim("sub", visitor), .. extra ?? []], notBefore: expiry.AddMinutes(-20), expires: expiry,
            signingCredentials: new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
