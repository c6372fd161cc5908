using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Projections;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.Api;

public sealed class AdminProjectionApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task An_operator_sees_each_projections_checkpoint_and_lag_and_a_user_cannot()
    {
        var created = await (await api.ClientFor("alice").PostAsJsonAsync("/api/contacts", new { name = "Status", viber = "s" })).JsonAsync(HttpStatusCode.Created);
        var position = created.GetProperty("position").GetInt64();
        await (await api.ClientFor("alice").GetAsync($"/api/contacts?minPosition={position}")).JsonAsync(HttpStatusCode.OK);

        var status = await (await api.ClientFor("ops").GetAsync("/api/admin/projections")).JsonAsync(HttpStatusCode.OK);

        var contacts = status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "contacts");
        contacts.GetProperty("serving").GetBoolean().Should().BeTrue();
        contacts.GetProperty("position").GetInt64().Should().BeGreaterThanOrEqualTo(position);
        contacts.GetProperty("lagEvents").GetInt32().Should().Be(0);
        contacts.GetProperty("deadLetters").GetInt64().Should().Be(0);
        contacts.GetProperty("nodesRunning").GetInt64().Should().Be(1, "the API's node runs it");
        await (await api.ClientFor("alice").GetAsync("/api/admin/projections")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_operator_sees_each_reactors_checkpoint_and_lag_one_not_running_here_lags_behind_a_deploy_and_a_user_cannot()
    {
        // Deliveries are off in these tests, so no node runs the deploy notifier.
        var deploy = new { application = $"app-{Guid.NewGuid():N}", environment = "production", version = "1.0.0", status = "deployed", handlers = new[] { "log" } };
        (await api.ClientFor("ci").PostAsJsonAsync("/api/deploys", deploy)).StatusCode.Should().Be(HttpStatusCode.Accepted);

        // Lag counts what is readable, events below the horizon (ADR 0007): on a busy machine
        // another database's open transaction may keep the deploy above it for a moment.
        var reactors = new Dictionary<string, JsonElement>();
        await Eventually.HoldsAsync(async () =>
        {
            reactors = (await (await _ops.GetAsync("/api/admin/reactors")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
            return reactors["deploy-notifier"].GetProperty("lagEvents").GetInt32() > 0;
        }, "the deploy notifier to lag behind the deploy");

        reactors.Keys.Should().BeEquivalentTo("chat-handover", "changed-contacts", "deploy-notifier");
        var notifier = reactors["deploy-notifier"];
        notifier.GetProperty("position").GetInt64().Should().Be(0);
        notifier.GetProperty("lagSeconds").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        await (await api.ClientFor("alice").GetAsync("/api/admin/reactors")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Rebuilding_one_stream_repairs_its_rows_in_place_and_leaves_other_owners_alone()
    {
        var vera = api.ClientFor("vera");
        var created = await (await vera.PostAsJsonAsync("/api/contacts", new { name = "Repair me", viber = "repair" })).JsonAsync(HttpStatusCode.Created);
        var bobs = await (await api.ClientFor("bob").PostAsJsonAsync("/api/contacts", new { name = "Untouched", viber = "bob" })).JsonAsync(HttpStatusCode.Created);
        var last = Math.Max(created.GetProperty("position").GetInt64(), bobs.GetProperty("position").GetInt64());
        await (await api.ClientFor("bob").GetAsync($"/api/contacts?minPosition={last}")).JsonAsync(HttpStatusCode.OK);
        // Damage the serving read model the way a buggy handler or a hand-made fix would.
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            await node.ExecuteAsync("UPDATE rm.contacts SET name = 'Broken' WHERE owner_id IN ('vera', 'bob')");
        }

        var repaired = await (await _ops.PostAsync("/api/admin/projections/contacts/rebuild?stream=contacts-vera", null)).JsonAsync(HttpStatusCode.OK);
        var unsupported = await _ops.PostAsync("/api/admin/projections/managers/rebuild?stream=duty-roster", null);

        repaired.GetProperty("eventsApplied").GetInt32().Should().BeGreaterThanOrEqualTo(1);
        (await ListedNamesAsync(vera)).Should().Equal("Repair me");
        (await ListedNamesAsync(api.ClientFor("bob"))).Should().Equal("Broken");
        await unsupported.ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:stream_rebuild_not_possible");
    }

    [Fact]
    public async Task While_a_node_of_a_newer_version_runs_a_projection_a_rebuild_of_this_version_is_refused_and_nothing_is_built()
    {
        // A node upgraded before this one (a rolling upgrade): the deploys model one version up.
        var deploys = api.Services.GetServices<IProjection>().Single(p => p.Name == "deploys");
        var newer = new NextVersionOf(deploys);
        using var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(
            newer, api.Services.GetRequiredService<NpgsqlDataSource>(), api.Services.GetRequiredService<IEventStore>(), api.Services.GetRequiredService<EventTypeRegistry>(),
            new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(50) }, new ProjectionProgress(api.Services.GetRequiredService<NpgsqlDataSource>()), NullLogger.Instance);
        var running = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            await Eventually.HoldsAsync(
                async () => await GenerationsAsync(newer.Version) > 0 && await GenerationsAsync(deploys.Version) == 0, "the newer node to take the projection, and this version's generation to be dropped");

            var refused = await _ops.PostAsync("/api/admin/projections/deploys/rebuild", null);

            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:rebuild_not_possible");
            (await GenerationsAsync(deploys.Version)).Should().Be(0, "this node's version was not asked to build");
            var status = await (await _ops.GetAsync("/api/admin/projections")).JsonAsync(HttpStatusCode.OK);
            status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "deploys" && p.GetProperty("version").GetInt32() == newer.Version)
                .GetProperty("nodesRunning").GetInt64().Should().Be(1, "the newer node runs it");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task A_parked_event_is_listed_with_its_stream_a_replay_that_still_fails_keeps_it_and_a_discard_drops_it()
    {
        // An event the contacts projection cannot apply (no owner, no name), as a bug would write.
        var stream = $"contacts-poison{Guid.NewGuid():N}";
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            await node.Store.AppendAsync(stream, ExpectedVersion.Any, [new EventData(Guid.NewGuid(), "contact_added", "{}", EventMetadata.Empty)]);
        }

        JsonElement parked = default;
        await Eventually.HoldsAsync(
            async () => (parked = await (await _ops.GetAsync("/api/admin/projections/contacts/dead-letters")).JsonAsync(HttpStatusCode.OK)).GetArrayLength() > 0, "the event to be parked");
        var deadLetter = parked.EnumerateArray().Single();
        var id = deadLetter.GetProperty("id").GetInt64();

        var replay = await _ops.PostAsync($"/api/admin/projections/contacts/dead-letters/{id}/replay", null);
        var replayAll = await (await _ops.PostAsync("/api/admin/projections/contacts/dead-letters/replay", null)).JsonAsync(HttpStatusCode.OK);
        var kept = await (await _ops.GetAsync("/api/admin/projections/contacts/dead-letters")).JsonAsync(HttpStatusCode.OK);
        var after = await (await _ops.GetAsync($"/api/admin/projections/contacts/dead-letters?afterId={id}")).JsonAsync(HttpStatusCode.OK);
        var discard = await _ops.DeleteAsync($"/api/admin/projections/contacts/dead-letters/{id}");

        deadLetter.GetProperty("streamId").GetString().Should().Be(stream);
        deadLetter.GetProperty("eventType").GetString().Should().Be("contact_added");
        deadLetter.GetProperty("serving").GetBoolean().Should().BeTrue("the serving generation parked it");
        deadLetter.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        (await replay.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:event_unprojectable")).GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace();
        (replayAll.GetProperty("replayed").GetInt32(), replayAll.GetProperty("stillFailing").EnumerateArray().Single().GetProperty("id").GetInt64()).Should().Be((0, id));
        kept.GetArrayLength().Should().Be(1, "a replay that fails changes nothing");
        after.GetArrayLength().Should().Be(0, "the page after the last one listed");
        discard.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await (await _ops.GetAsync("/api/admin/projections/contacts/dead-letters")).JsonAsync(HttpStatusCode.OK)).GetArrayLength().Should().Be(0);
        await (await _ops.DeleteAsync($"/api/admin/projections/contacts/dead-letters/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _ops.PostAsync($"/api/admin/projections/contacts/dead-letters/{id}/replay", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _ops.GetAsync("/api/admin/projections/no-such-projection/dead-letters")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _ops.PostAsync("/api/admin/projections/no-such-projection/dead-letters/replay", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    // The list is served by the read model (a single contact is folded from its stream).
    private static async Task<IEnumerable<string?>> ListedNamesAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/contacts")).JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString());

    private async Task<long> GenerationsAsync(int version)
    {
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        return await node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = 'deploys' AND version = {version}");
    }
}
