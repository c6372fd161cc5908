using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Deploys;
using EventSourced.IntegrationTests.Projections;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
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

    [Fact]
    public async Task While_a_new_version_is_built_and_no_node_keeps_the_serving_one_live_the_node_stays_ready_until_the_build_stops_moving_on()
    {
        var anonymous = api.CreateClient();
        var ci = api.ClientFor("ci");
        var application = $"app-{Guid.NewGuid():N}";
        for (var n = 0; n < 40; n++)
        {
            (await ci.PostAsJsonAsync("/api/deploys", Deploy(application, $"1.0.{n}"))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "readiness");

        // Two upgrades of the deploys model. Version +1 is built and serves. Version +2 is built a
        // tenth of a second an event, one event a commit, and fails for good on the last deploy.
        // Then the node of version +1 stops: no node can keep the serving generation live (this
        // node's version is older than the one serving), only the build moves on.
        var deploys = api.Services.GetServices<IProjection>().Single(p => p.Name == "deploys");
        var serving = new NextVersionOf(deploys);
        var next = new NextVersionOf(serving, TimeSpan.FromMilliseconds(100), failsOn: e => e is DeployStatusReported { Version: "9.9.9" });
        using var stopServing = new CancellationTokenSource();
        using var stopNext = new CancellationTokenSource();
        var servingRunner = Run(serving, new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(50) }, stopServing.Token);
        Task? nextRunner = null;
        try
        {
            await Eventually.HoldsAsync(async () => await ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = 'deploys' AND active AND version = {serving.Version}") == 1, "version +1 to serve");
            nextRunner = Run(next, new ProjectionOptions { BatchSize = 1, MaxAttempts = 1, OnPoisonEvent = PoisonEventPolicy.Stop, StandbyRetry = TimeSpan.FromMilliseconds(50) }, stopNext.Token);
            await Eventually.HoldsAsync(async () => await ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = 'deploys' AND version = {next.Version}") == 1, "the next version's build");
            await stopServing.CancelAsync();
            await servingRunner;
            (await ci.PostAsJsonAsync("/api/deploys", Deploy(application, "9.9.9"))).StatusCode.Should().Be(HttpStatusCode.Accepted);
            var posted = System.Diagnostics.Stopwatch.StartNew();

            // Probed past the limit since the serving generation last could move on, and while the
            // build moves on within it: its last commit the same before and after the probe, and
            // recent. (On a machine too busy for that, the build is late and readiness rightly fails.)
            var probes = new List<HttpStatusCode>();
            var build = $"SELECT {{0}} FROM proj.checkpoints WHERE projection = 'deploys' AND version = {next.Version}";
            await Eventually.HoldsAsync(
                async () =>
                {
                    var before = await ScalarAsync(string.Format(CultureInfo.InvariantCulture, build, "(extract(epoch FROM updated_at) * 1000000)::bigint"));
                    var status = (await anonymous.GetAsync("/health/ready")).StatusCode;
                    var after = await ScalarAsync(string.Format(CultureInfo.InvariantCulture, build, "(extract(epoch FROM updated_at) * 1000000)::bigint"));
                    var quietMs = await ScalarAsync(string.Format(CultureInfo.InvariantCulture, build, "(extract(epoch FROM now() - updated_at) * 1000)::bigint"));
                    if (before == after && quietMs < 800 && posted.Elapsed > TimeSpan.FromSeconds(1.5))
                    {
                        probes.Add(status);
                    }

                    return await ScalarAsync(string.Format(CultureInfo.InvariantCulture, build, "count(*) FILTER (WHERE stopped)")) == 1;
                },
                "the build to stop at the failing deploy");
            probes.Should().NotBeEmpty("the build moved on for over a second after the last deploy").And.OnlyContain(s => s == HttpStatusCode.OK);

            await Eventually.HoldsAsync(
                async () => (await (await anonymous.GetAsync("/health/ready")).Content.ReadAsStringAsync()).Contains("being built, has not moved on", StringComparison.Ordinal),
                "readiness to fail naming the stopped build");
        }
        finally
        {
            await stopServing.CancelAsync();
            await stopNext.CancelAsync();
            await servingRunner;
            await (nextRunner ?? Task.CompletedTask);
        }

        // Rolled back: with no node of a newer version left, this node's version serves live again.
        await Eventually.HoldsAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "readiness once the next version's node is gone");
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

    /// <summary>A node of another version of a projection, beside the service's own.</summary>
    private Task Run(IProjection projection, ProjectionOptions options, CancellationToken stop)
    {
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        var runner = new ProjectionRunner(
            projection, dataSource, api.Services.GetRequiredService<IEventStore>(), api.Services.GetRequiredService<EventTypeRegistry>(), options, new ProjectionProgress(dataSource), NullLogger.Instance);
        return Task.Run(() => runner.RunAsync(stop), CancellationToken.None);
    }

    private static object Deploy(string application, string version) =>
        new { application, environment = "production", version, status = "deployed", handlers = new[] { "log" } };

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
