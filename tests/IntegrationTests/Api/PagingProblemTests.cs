using System.Net;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>A page asked for out of range is refused under the parameter that is out of range, for a client to point at it.</summary>
public sealed class PagingProblemTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Theory]
    [InlineData("ops", "/api/audit?after=-5", "after")]
    [InlineData("ops", "/api/audit?count=0", "count")]
    [InlineData("ops", "/api/audit/streams/contacts-alice?fromVersion=-1", "fromVersion")]
    [InlineData("ops", "/api/audit/streams/contacts-alice?count=1001", "count")]
    [InlineData("alice", "/api/deliveries/failed?offset=-1", "offset")]
    [InlineData("ops", "/api/admin/deliveries/failed?limit=0", "limit")]
    [InlineData("alice", "/api/deliveries/failed?afterId=01a24df5-d3cb-7ab9-9672-6abcae29f65c", "afterId")]
    [InlineData("ops", "/api/admin/deliveries/failed?offset=1&afterFailedAt=2026-12-07T00:00:00Z&afterId=01a24df5-d3cb-7ab9-9672-6abcae29f65c", "offset")]
    [InlineData("ops", "/api/conversations?limit=0", "limit")]
    [InlineData("ops", "/api/conversations?limit=201", "limit")]
    [InlineData("ops", "/api/deploys?limit=1001", "limit")]
    [InlineData("ops", "/api/tickets?limit=0", "limit")]
    public async Task The_refusal_names_the_parameter_out_of_range(string caller, string url, string parameter)
    {
        var problem = await (await api.ClientFor(caller).GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");

        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Equal(parameter);
    }
}
