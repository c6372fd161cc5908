using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class AdminProjectionApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task An_operator_sees_each_projections_checkpoint_and_lag_and_a_user_cannot()
    {
        var created = await (await api.ClientFor("alice").PostAsJsonAsync("/api/contacts", new { name = "Status", viber = "s" })).JsonAsync(HttpStatusCode.Created);
        var position = created.GetProperty("position").GetInt64();
        await api.ClientFor("alice").GetAsync($"/api/contacts?minPosition={position}");

        var status = await (await api.ClientFor("ops").GetAsync("/api/admin/projections")).JsonAsync(HttpStatusCode.OK);

        var contacts = status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "contacts");
        contacts.GetProperty("serving").GetBoolean().Should().BeTrue();
        contacts.GetProperty("position").GetInt64().Should().BeGreaterThanOrEqualTo(position);
        contacts.GetProperty("lagEvents").GetInt32().Should().Be(0);
        contacts.GetProperty("deadLetters").GetInt64().Should().Be(0);
        await (await api.ClientFor("alice").GetAsync("/api/admin/projections")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }
}
