using System.Net;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class HealthApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task Liveness_answers_anonymously_and_readiness_turns_healthy_once_every_read_model_serves()
    {
        var anonymous = api.CreateClient();

        (await anonymous.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "every read model to serve");

        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        await node.ExecuteAsync("UPDATE proj.checkpoints SET active = false WHERE projection = 'contacts'");
        var notReady = await anonymous.GetAsync("/health/ready");
        await node.ExecuteAsync("UPDATE proj.checkpoints SET active = true WHERE projection = 'contacts' AND generation = (SELECT max(generation) FROM proj.checkpoints WHERE projection = 'contacts')");

        notReady.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
    }
}
