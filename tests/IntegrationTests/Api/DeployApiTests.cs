using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class DeployApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _ci = api.ClientFor("ci");

    [Fact]
    public async Task A_ci_report_is_recorded_with_its_ticket_keys_and_a_repeat_is_recorded_once()
    {
        var app = App();
        var body = new { application = app, environment = "production", version = "1.2.3", status = "deployed", comment = "RASP-123: fix", handlers = new[] { "tracker", "telegram" } };

        var first = await (await _ci.PostAsJsonAsync("/api/deploys", body)).JsonAsync(HttpStatusCode.Accepted);
        var repeat = await (await _ci.PostAsJsonAsync("/api/deploys", body)).JsonAsync(HttpStatusCode.Accepted);

        first.GetProperty("ticketKeys").EnumerateArray().Select(k => k.GetString()).Should().Equal("RASP-123");
        first.GetProperty("position").GetInt64().Should().BePositive();
        repeat.GetProperty("position").ValueKind.Should().Be(JsonValueKind.Null);
        var stored = await StreamAsync(app, "production");
        stored.Should().ContainSingle();
        var data = JsonDocument.Parse(stored[0].Data).RootElement;
        data.GetProperty("handlers").EnumerateArray().Select(h => h.GetString()).Should().Equal("tracker", "telegram");
        data.GetProperty("source").GetString().Should().Be("api");
    }

    [Fact]
    public async Task The_platform_hook_maps_its_environment_id_and_takes_handlers_from_the_query()
    {
        var app = App();

        var response = await _ci.PostAsJsonAsync("/source/qloud?handlers=telegram,tracker", new { environmentId = $"{app}.testing", status = "DEPLOYING", version = "42", comment = "RASP-9" });

        (await response.JsonAsync(HttpStatusCode.Accepted)).GetProperty("environment").GetString().Should().Be("testing");
        var data = JsonDocument.Parse((await StreamAsync(app, "testing")).Single().Data).RootElement;
        data.GetProperty("status").GetString().Should().Be("deploying");
        data.GetProperty("source").GetString().Should().Be("qloud");
    }

    [Fact]
    public async Task A_release_task_report_maps_its_result_and_transitions_stay_in_order()
    {
        var app = App();
        foreach (var result in new[] { "started", "failure", "started", "success" })
        {
            (await _ci.PostAsJsonAsync("/source/http", new { application = app, environment = "prod", version = "7", result, handlers = new[] { "log" } }))
                .StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        var statuses = (await StreamAsync(app, "prod")).Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("status").GetString());
        statuses.Should().Equal("deploying", "failed", "deploying", "deployed");
    }

    [Theory]
    [InlineData("""{"application":"a","environment":"p","version":"1","status":"deployed","handlers":["pager"]}""", "handlers")]
    [InlineData("""{"application":"a","environment":"p","version":"1","status":"exploded"}""", "status")]
    [InlineData("""{"environment":"p","version":"1","status":"deployed"}""", "application")]
    [InlineData("""{"application":"a b","environment":"p","version":"1","status":"deployed"}""", "application")]
    [InlineData("""{"application":"a","environment":"p","status":"deployed"}""", "version")]
    public async Task A_bad_report_is_a_400_naming_the_field_and_appends_nothing(string body, string field)
    {
        var before = await api.EventCountAsync();

        var response = await _ci.PostAsync("/api/deploys", Http.Json(body));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData("/api/deploys", """{"application":"a","environment":"p","version":"1","status":"exploded"}""", "status", "deploying, deployed, failed")]
    [InlineData("/source/qloud", """{"environmentId":"a.p","version":"1","status":"EXPLODED"}""", "status", "deploying, deployed, failed")]
    [InlineData("/source/http", """{"application":"a","environment":"p","version":"1","result":"exploded"}""", "result", "started, success, failure")]
    public async Task An_unknown_status_is_refused_with_the_words_its_source_takes(string path, string body, string field, string words)
    {
        var problem = await (await _ci.PostAsync(path, Http.Json(body))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");

        problem.GetProperty("errors").GetProperty(field)[0].GetString().Should().Be($"{field} is one of: {words}.");
    }

    [Fact]
    public async Task An_unknown_handler_in_the_hook_query_is_a_400() =>
        await (await _ci.PostAsJsonAsync("/source/qloud?handlers=telegram,sms", new { environmentId = "x.y.z", status = "DEPLOYED", version = "1" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");

    [Fact]
    public async Task Only_deploy_sources_report_deploys()
    {
        var body = new { application = "a", environment = "p", version = "1", status = "deployed" };

        await (await api.ClientFor("alice").PostAsJsonAsync("/api/deploys", body)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await api.ClientFor("ticketland").PostAsJsonAsync("/source/http", body)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_hooks_key_reports_through_that_hook_only()
    {
        var app = App();
        var qloud = api.ClientFor("qloud");

        (await qloud.PostAsJsonAsync("/source/qloud", new { environmentId = $"{app}.testing", status = "DEPLOYED", version = "1" })).StatusCode.Should().Be(HttpStatusCode.Accepted);
        await (await qloud.PostAsJsonAsync("/source/http", new { application = app, environment = "testing", version = "2", result = "success" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await qloud.PostAsJsonAsync("/api/deploys", new { application = app, environment = "testing", version = "3", status = "deployed" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        (await StreamAsync(app, "testing")).Should().ContainSingle("only the report through its own hook was recorded");
    }

    [Fact]
    public async Task The_read_side_shows_the_timeline_the_current_status_per_environment_and_deploys_by_ticket()
    {
        var app = App();
        var ticket = $"T{Guid.NewGuid().ToString("N")[..6].ToUpperInvariant()}-42";
        await Report(app, "testing", "1", "deployed", $"{ticket} first");
        await Report(app, "production", "1", "deploying", null);
        var last = await Report(app, "production", "1", "failed", $"rollback, see {ticket}");

        var timeline = await (await _ci.GetAsync($"/api/deploys?application={app}&environment=production&minPosition={last}")).JsonAsync(HttpStatusCode.OK);
        var current = await (await api.ClientFor("ops").GetAsync($"/api/deploys/current?application={app}")).JsonAsync(HttpStatusCode.OK);
        var byTicket = await (await _ci.GetAsync($"/api/deploys?ticket={ticket}")).JsonAsync(HttpStatusCode.OK);

        timeline.EnumerateArray().Select(d => d.GetProperty("status").GetString()).Should().Equal("failed", "deploying");
        current.EnumerateArray().Select(d => (d.GetProperty("environment").GetString(), d.GetProperty("status").GetString()))
            .Should().Equal(("production", "failed"), ("testing", "deployed"));
        byTicket.EnumerateArray().Select(d => d.GetProperty("environment").GetString()).Should().Equal("production", "testing");
        await (await api.ClientFor("alice").GetAsync($"/api/deploys?application={app}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_timeline_pages_back_from_the_position_of_the_last_one_listed()
    {
        var app = App();
        var versions = new[] { "1", "2", "3", "4", "5" };
        long last = 0;
        foreach (var version in versions)
        {
            last = await Report(app, "production", version, "deployed", null);
        }

        var pages = await Pages.ReadAsync(
            _ci, 2, previous => $"/api/deploys?application={app}&limit=2&minPosition={last}" + (previous is { } d ? $"&beforePosition={d.GetProperty("position").GetInt64()}" : ""));

        pages.Select(p => string.Join(" ", p.Select(d => d.GetProperty("version").GetString()))).Should().Equal("5 4", "3 2", "1");
    }

    private async Task<long> Report(string application, string environment, string version, string status, string? comment)
    {
        var response = await _ci.PostAsJsonAsync("/api/deploys", new { application, environment, version, status, comment });
        return (await response.JsonAsync(HttpStatusCode.Accepted)).GetProperty("position").GetInt64();
    }

    private static string App() => $"app{Guid.NewGuid():N}"[..16];

    private Task<IReadOnlyList<RecordedEvent>> StreamAsync(string application, string environment) =>
        api.StreamAsync($"deploys-{application}:{environment}");
}
