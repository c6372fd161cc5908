using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Starts from nobody on duty; the tests run in order of the roster's life.</summary>
public sealed class DutyRosterApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task Offline_then_round_robin_then_duty_changes_by_the_manager_or_an_operator_only()
    {
        var offline = await api.ClientFor("vera").PostAsJsonAsync("/api/conversations", new { });
        var problem = await offline.ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:chat_offline");
        problem.GetProperty("offlineMessage").GetString().Should().NotBeNullOrEmpty();

        (await api.ClientFor("mia").PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await api.ClientFor("max").PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = false })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await api.ClientFor("vera").PutAsJsonAsync("/api/managers/vera/duty", new { onDuty = true })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        (await api.ClientFor("ops").PutAsJsonAsync("/api/managers/max/duty", new { onDuty = true })).StatusCode.Should().Be(HttpStatusCode.OK);

        var first = await (await api.ClientFor("vera").PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created);
        var second = await (await api.ClientFor("vlad").PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created);

        first.GetProperty("managerId").GetString().Should().Be("mia");
        second.GetProperty("managerId").GetString().Should().Be("max");
    }

    [Fact]
    public async Task Duty_needs_a_yes_or_no()
    {
        var response = await api.ClientFor("mia").PutAsync("/api/managers/mia/duty", Http.Json("{}"));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
    }
}
