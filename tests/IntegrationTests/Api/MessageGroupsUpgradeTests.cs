using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// A node reading the messages read model as built before messages named their groups: during a
/// rolling upgrade another node may lead it, and adds the column only when it takes it over. A
/// fixture of its own, since the test takes the column away.
/// </summary>
public sealed class MessageGroupsUpgradeTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task Messages_read_from_a_read_model_built_before_groups_list_none_and_filter_by_none_rather_than_fail()
    {
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name = "Anna", telegram = "@anna_upgrade" })).JsonAsync(HttpStatusCode.Created);
        var accepted = await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors at seven", contactNames = new[] { "Anna" } })).JsonAsync(HttpStatusCode.Accepted);
        var id = accepted.GetProperty("id").GetGuid();
        await (await _alice.GetAsync($"/api/messages/{id}?minPosition={accepted.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);

        await using (var connection = new NpgsqlConnection(api.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var serving = new NpgsqlCommand(
                "SELECT table_schema || '.' || table_name FROM information_schema.view_table_usage WHERE view_schema = 'rm' AND view_name = 'messages'", connection);
            var table = (string)(await serving.ExecuteScalarAsync())!;
            await using var older = new NpgsqlCommand($"ALTER TABLE {table} DROP COLUMN groups CASCADE; CREATE VIEW rm.messages AS SELECT * FROM {table}", connection);
            await older.ExecuteNonQueryAsync();
        }

        var read = await (await _alice.GetAsync($"/api/messages/{id}")).JsonAsync(HttpStatusCode.OK);
        read.GetProperty("message").GetProperty("groups").GetArrayLength().Should().Be(0);
        var listed = await (await _alice.GetAsync("/api/messages")).JsonAsync(HttpStatusCode.OK);
        listed.EnumerateArray().Single().GetProperty("groups").GetArrayLength().Should().Be(0);
        var byGroup = await (await _alice.GetAsync($"/api/messages?groupId={Guid.NewGuid()}")).JsonAsync(HttpStatusCode.OK);
        byGroup.GetArrayLength().Should().Be(0, "no message names a group there");
    }
}
