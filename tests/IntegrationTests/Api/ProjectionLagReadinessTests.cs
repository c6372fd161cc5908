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

    [SkippableFact]
    public async Task A_transaction_of_another_role_whose_start_is_hidden_from_ours_leaves_the_database_check_healthy()
    {
        // As an autovacuum worker that took a transaction id: its row shows the id but, to a role
        // without pg_read_all_stats, no start time. Readiness once failed on it ("Column 'extract' is null").
        Skip.If(PostgresCluster.CannotHandle is not null, PostgresCluster.CannotHandle);
        var anonymous = api.CreateClient();
        var holder = $"readiness-holder-{Guid.NewGuid():N}";
        var holding = PostgresCluster.StartSuperuserSql(api.Database.ConnectionString, "BEGIN; SELECT txid_current(); SELECT pg_sleep(300);", holder);
        try
        {
            await Eventually.HoldsAsync(
                async () => await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND xact_start IS NULL") > 0,
                "the superuser's transaction to hold a transaction id");

            var report = await (await anonymous.GetAsync("/health/ready")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

            report.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().Should().Be("Healthy", report.ToString());
        }
        finally
        {
            // pg_sleep notices no client gone: its backend is ended, as the superuser, or it holds the horizon for minutes.
            using var end = PostgresCluster.StartSuperuserSql(api.Database.ConnectionString, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{holder}'", $"{holder}-end");
            await end.WaitForExitAsync();
            await ChildProcesses.EndAsync(end);
            await ChildProcesses.EndAsync(holding);
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
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
            // Until it says why: on a busy machine the lag of the projections the transaction holds
            // back may cross the limit a probe before the transaction's age does.
            await Eventually.HoldsAsync(
                async () =>
                {
                    var report = await anonymous.GetAsync("/health/ready");
                    return report.StatusCode == HttpStatusCode.ServiceUnavailable && (await report.Content.ReadAsStringAsync()).Contains(because, StringComparison.Ordinal);
                },
                $"readiness to fail saying '{because}'");
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
