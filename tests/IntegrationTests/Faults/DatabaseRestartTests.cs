using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Faults;

[Collection(SharedServiceRestarts.Name)]
public sealed class DatabaseRestartTests
{
    private static readonly (string, string)[] Identities = [("alice", "user")];

    [SkippableFact]
    public async Task While_PostgreSQL_is_down_requests_fail_fast_with_503_and_the_service_recovers_by_itself()
    {
        Skip.If(PostgresCluster.CannotHandle is not null, PostgresCluster.CannotHandle);
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = database.ConnectionString }, Identities);
        var alice = api.ClientFor("alice");
        (await alice.PostAsJsonAsync("/api/contacts", new { name = "Before", viber = "before" })).StatusCode.Should().Be(HttpStatusCode.Created);

        await PostgresCluster.StopAsync();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                var response = await alice.PostAsJsonAsync("/api/contacts", new { name = $"During {i}", viber = "during" });
                clock.Elapsed.Should().BeLessThan(Wait.Scaled(TimeSpan.FromSeconds(8)), "no request hangs while the database is away");
                await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "urn:eventsourced:problem:unavailable");
            }

            (await alice.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await PostgresCluster.StartAsync();
        }

        // Nobody touches the service: its pool reconnects, its projections go on.
        long position = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var response = await alice.PostAsJsonAsync("/api/contacts", new { name = "After", viber = "after" });
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return false;
            }

            position = (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("position").GetInt64();
            return true;
        }, "a command to succeed after the restart");
        var contacts = await (await alice.GetAsync($"/api/contacts?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        contacts.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Contain(["Before", "After"]).And.NotContain(n => n!.StartsWith("During"));
        (await alice.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
