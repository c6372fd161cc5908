using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// A node whose projections cannot create their own tables at start (the database refuses, for a
/// while) keeps serving commands and builds its read models once it can, rather than stopping.
/// </summary>
public sealed class ProjectionTablesAtStartTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task A_node_that_cannot_create_the_projection_tables_yet_keeps_serving_and_builds_its_read_models_once_it_can()
    {
        // A view where the runner's checkpoints table goes: its CREATE TABLE IF NOT EXISTS passes
        // over it and its ALTER TABLE fails, until the view is gone.
        await ExecuteAsync("CREATE SCHEMA proj; CREATE VIEW proj.checkpoints AS SELECT 1 AS in_the_way");
        var alice = api.ClientFor("alice");

        await (await alice.PostAsJsonAsync("/api/contacts", new { name = "Patient", viber = "patient" })).JsonAsync(HttpStatusCode.Created);
        await Eventually.HoldsAsync(() => Task.FromResult(api.Errors.Lines.Any(l => l.Contains("Could not create the projections' tables", StringComparison.Ordinal))), "the failure to be logged");

        await ExecuteAsync("DROP VIEW proj.checkpoints");
        await Eventually.HoldsAsync(async () =>
        {
            var response = await alice.GetAsync("/api/contacts");
            return response.StatusCode == HttpStatusCode.OK
                && (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Any(c => c.GetProperty("name").GetString() == "Patient");
        }, "the contact to be listed");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        await node.ExecuteAsync(sql);
    }
}
