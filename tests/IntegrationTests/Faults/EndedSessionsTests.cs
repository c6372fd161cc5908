using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// The database ends the node's sessions, as a restart, a failover or an operator's
/// pg_terminate_backend does, while they wait idle in the node's pools. A read is not answered
/// 503 for a connection that is gone: it is run again on a new one (ADR 0046).
/// </summary>
public sealed class EndedSessionsTests
{
    private static readonly (string, string)[] Identities = [("alice", "user")];

    [Fact]
    public async Task A_read_whose_pooled_connection_the_database_ended_is_answered_on_a_new_one()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = database.ConnectionString }, Identities);
        var alice = api.ClientFor("alice");
        var added = await (await alice.PostAsJsonAsync("/api/contacts", new { name = "Kept", viber = "kept" })).JsonAsync(HttpStatusCode.Created);
        // Reads at once, so that the queries' pool holds idle connections, several of them.
        (await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ContactNamesAsync(alice, $"?minPosition={added.GetProperty("position").GetInt64()}"))))
            .Should().AllSatisfy(names => names.Should().Equal("Kept"));

        await EndNodeSessionsAsync(database);

        (await ContactNamesAsync(alice, "")).Should().Equal(["Kept"], "the read is run again on a new connection");
        // Nor is the next read given another of the dead ones.
        (await ContactNamesAsync(alice, "")).Should().Equal(["Kept"], "no dead connection is left in the pool");
    }

    private static async Task<List<string?>> ContactNamesAsync(HttpClient client, string query) =>
        (await (await client.GetAsync($"/api/contacts{query}")).JsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();

    /// <summary>Ends the node's sessions and waits until they are gone, so that the next read meets a dead connection.</summary>
    private static async Task EndNodeSessionsAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var ended = await connection.EndOtherSessionsOfRoleAsync();
        ended.Should().NotBeEmpty("the node holds sessions to end");
        await Eventually.HoldsAsync(
            async () => (long)(await connection.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid IN ({string.Join(',', ended)})"))! == 0,
            "the node's sessions to be gone");
    }
}
