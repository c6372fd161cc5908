using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// Projections stuck behind, or a transaction left open that holds them all back, make the node
/// not ready, and it says why. The open transaction holds back the $all horizon of every database
/// in the cluster, so these run alone.
/// </summary>
[Collection(Faults.SharedServiceRestarts.Name)]
public sealed class ProjectionLagReadinessTests(ProjectionLagReadinessTests.ImpatientApi api) : IClassFixture<ProjectionLagReadinessTests.ImpatientApi>
{
    [Fact]
    public async Task Readiness_fails_naming_a_projection_stuck_behind_and_recovers_when_it_moves_on()
    {
        // A lock on the checkpoints stops every runner without holding back $all's horizon.
        await UntilStuckAsync("LOCK TABLE proj.checkpoints IN EXCLUSIVE MODE", "Behind by more than");
    }

    [Fact]
    public async Task Readiness_fails_naming_a_transaction_left_open_that_holds_every_projection_back()
    {
        // A row lock takes a transaction id, and so also holds back the horizon every subscription reads below.
        await UntilStuckAsync("SELECT 1 FROM proj.checkpoints WHERE projection = 'contacts' AND active FOR UPDATE", "holds back every projection");
    }

    private async Task UntilStuckAsync(string stuck, string because)
    {
        var alice = api.ClientFor("alice");
        var anonymous = api.CreateClient();
        await (await alice.PostAsJsonAsync("/api/contacts", new { name = $"First {Guid.NewGuid():N}"[..20], viber = "first" })).JsonAsync(HttpStatusCode.Created);
        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "readiness");

        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync();
        await using (var hold = await connection.BeginTransactionAsync())
        {
            await using (var command = new NpgsqlCommand(stuck, connection, hold))
            {
                await command.ExecuteNonQueryAsync();
            }

            await (await alice.PostAsJsonAsync("/api/contacts", new { name = $"Waiting {Guid.NewGuid():N}"[..20], viber = "waiting" })).JsonAsync(HttpStatusCode.Created);
            HttpResponseMessage report = null!;
            await Eventually.HoldsAsync(async () => (report = await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, "readiness to notice");
            (await report.Content.ReadAsStringAsync()).Should().Contain(because);
            await hold.RollbackAsync();
        }

        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "readiness once the projections moved on");
    }

    public sealed class ImpatientApi : EmptyStoreApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Health:MaxProjectionLag", "00:00:01");
        }
    }
}
