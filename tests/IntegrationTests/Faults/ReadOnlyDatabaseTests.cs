using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// A database that takes no writes: set read-only for maintenance, or a standby that an address
/// still points at after a failover (ADR 0046). Commands are refused as unavailable and change
/// nothing, readiness says why, and the node goes on by itself once writes are taken again.
/// </summary>
public sealed class ReadOnlyDatabaseTests
{
    private static readonly (string, string)[] Identities = [("alice", "user"), ("ops", "operator")];

    [Fact]
    public async Task Commands_on_a_database_that_takes_no_writes_are_refused_as_unavailable_and_the_node_goes_on_after()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = database.ConnectionString }, Identities);
        var alice = api.ClientFor("alice");
        (await alice.PostAsJsonAsync("/api/contacts", new { name = "Before", viber = "before" })).StatusCode.Should().Be(HttpStatusCode.Created);

        await TakeWritesAsync(database, false);
        try
        {
            await Eventually.HoldsAsync(
                async () => (await (await alice.GetAsync("/health/ready")).Content.ReadAsStringAsync()).Contains("takes no writes", StringComparison.Ordinal),
                "readiness to say the database takes no writes");
            var refused = await alice.PostAsJsonAsync("/api/contacts", new { name = "During", viber = "during" });
            await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "urn:eventsourced:problem:unavailable");
            refused.Headers.RetryAfter.Should().NotBeNull("the caller is told when to try again");
        }
        finally
        {
            await TakeWritesAsync(database, true);
        }

        long position = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var response = await alice.PostAsJsonAsync("/api/contacts", new { name = "After", viber = "after" });
            position = response.StatusCode == HttpStatusCode.Created ? (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("position").GetInt64() : 0;
            return position > 0;
        }, "a command to succeed once the database takes writes");
        var names = (await (await alice.GetAsync($"/api/contacts?minPosition={position}")).JsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        names.Should().Contain(["Before", "After"]).And.NotContain("During");
        var projections = await (await api.ClientFor("ops").GetAsync("/api/admin/projections")).JsonAsync(HttpStatusCode.OK);
        projections.EnumerateArray().Should().OnlyContain(p => p.GetProperty("deadLetters").GetInt64() == 0, "no event was parked for want of a writable database");
        await Eventually.HoldsAsync(async () => (await alice.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the node to be ready again");
    }

    /// <summary>New sessions of the database take writes or not; the node's own sessions are ended, so that it opens new ones.</summary>
    private static async Task TakeWritesAsync(TestDatabase database, bool writes)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        // This session, opened while the database took no writes, would refuse the change too.
        await connection.ExecuteAsync("SET default_transaction_read_only = off");
        await connection.ExecuteAsync($"ALTER DATABASE \"{database.Name}\" SET default_transaction_read_only = {(writes ? "off" : "on")}");
        await connection.EndOtherSessionsOfRoleAsync();
    }
}
