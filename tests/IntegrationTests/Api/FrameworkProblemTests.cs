using System.Net;
using System.Text;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// What ASP.NET Core refuses before any endpoint runs (no key, a role that may not, no route, a
/// wrong method or content type) is problem+json with one of our types and a detail that says
/// what to do, like every refusal of our own.
/// </summary>
public sealed class FrameworkProblemTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task Refusals_made_before_any_endpoint_runs_carry_our_problem_types()
    {
        var alice = api.ClientFor("alice");
        var anonymous = api.CreateClient();
        var cases = new (string What, Func<Task<HttpResponseMessage>> Send, HttpStatusCode Status, string Type)[]
        {
            ("no key", () => anonymous.GetAsync("/api/contacts"), HttpStatusCode.Unauthorized, "unauthorized"),
            ("a user at an operator's endpoint", () => alice.GetAsync("/api/audit"), HttpStatusCode.Forbidden, "forbidden"),
            ("no such route", () => alice.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound, "not-found"),
            ("an id that is no id", () => alice.GetAsync("/api/contacts/not-an-id"), HttpStatusCode.NotFound, "not-found"),
            ("a wrong method", () => alice.PutAsync($"/api/contacts/{Guid.NewGuid()}", Http.Json("{}")), HttpStatusCode.MethodNotAllowed, "method-not-allowed"),
            ("a body that is not JSON", () => alice.PostAsync("/api/contacts", new StringContent("name=x", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type"),
        };

        foreach (var (what, send, status, type) in cases)
        {
            var problem = await (await send()).ShouldBeProblemAsync(status, $"urn:eventsourced:problem:{type}");
            problem.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace(what);
        }
    }

    [Fact]
    public async Task A_command_sent_without_its_body_is_told_so_in_the_callers_terms()
    {
        var problem = await (await api.ClientFor("alice").PostAsync("/api/contacts", null)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:bad-request");

        problem.GetProperty("detail").GetString().Should().Be("This request takes a JSON body, and none was sent.");
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_kind_is_a_validation_problem_naming_its_parameter()
    {
        var cases = new (string Subject, string Url, string Parameter, string Takes)[]
        {
            ("alice", "/api/contacts?page=abc", "page", "a whole number"),
            ("alice", "/api/contacts?page=99999999999", "page", "a whole number"),
            ("alice", $"/api/conversations/{Guid.NewGuid()}/messages?sinceId=yesterday", "sinceId", "an id (a UUID)"),
            ("ops", "/api/audit?from=last-week", "from", "an ISO 8601 date and time"),
        };

        foreach (var (subject, url, parameter, takes) in cases)
        {
            var problem = await (await api.ClientFor(subject).GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");

            problem.GetProperty("errors").GetProperty(parameter)[0].GetString().Should().StartWith($"{parameter} takes {takes};", url);
        }
    }

    [Fact]
    public async Task A_required_query_value_left_out_is_a_validation_problem_naming_it()
    {
        var problem = await (await api.ClientFor("alice").GetAsync("/api/contacts/by-name")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");

        problem.GetProperty("errors").GetProperty("name")[0].GetString().Should().Be("name is required.");
    }

    [Fact]
    public async Task A_body_that_does_not_fit_its_request_is_told_by_json_path_without_our_type_names()
    {
        var cases = new (string Body, string Detail)[]
        {
            ("""{"name":5,"telegram":"@alice_t"}""", "The value at $.name is not of the kind this request takes there"),
            ("""[]""", "The value at $ is not of the kind this request takes there"),
            ("""{"name":"Bob","telegram":"@bob_t","nickname":"B"}""", "This request takes no field 'nickname'"),
            ("""{"name":""", "Path: $"),
            ("""{"name":"Bad\ud800","telegram":"@alice_t"}""", "The value at $.name is not of the kind this request takes there (Cannot read incomplete UTF-16"),
        };

        foreach (var (body, detail) in cases)
        {
            var problem = await (await api.ClientFor("alice").PostAsync("/api/contacts", Http.Json(body))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:bad-request");

            var said = problem.GetProperty("detail").GetString();
            said.Should().Contain(detail, body).And.NotContain("EventSourced.", body).And.NotContain(".NET", body);
        }

        (await api.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task A_read_model_not_caught_up_in_time_is_a_503_that_says_when_to_retry()
    {
        await using var impatient = api.WithWebHostBuilder(b => b.UseSetting("Projections:ReadYourWritesTimeout", "00:00:00.05"));
        using var alice = impatient.CreateClient();
        alice.DefaultRequestHeaders.Add("X-Api-Key", "test-key-alice");

        var response = await alice.GetAsync($"/api/messages?minPosition={long.MaxValue}");

        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "urn:eventsourced:problem:unavailable");
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2));
    }
}
