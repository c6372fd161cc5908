using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.Projections;

public sealed class ProjectionRunnerTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>, IAsyncLifetime
{
    private static readonly EventTypeRegistry Registry = new EventTypeRegistry().Register<Happened>("something_happened");
    private readonly List<(CancellationTokenSource Stop, Task Running)> _runners = [];

    private EventStoreNode Node => fixture.Node;

    public Task InitializeAsync() => ProjectionSchema.EnsureAsync(Node.DataSource, CancellationToken.None);

    public async Task DisposeAsync()
    {
        foreach (var (stop, running) in _runners)
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task A_crash_between_the_handlers_write_and_the_checkpoint_resumes_and_never_applies_an_event_twice()
    {
        var (projection, category) = New();
        projection.CrashAfterWriting(3);
        var last = await AppendAsync(category, 50);

        Start(projection);
        await WaitForAsync(projection, last);

        (await AppliedAsync(projection)).Should().HaveCount(50).And.OnlyContain(applied => applied == 1);
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.dead_letters WHERE projection = '{projection.Name}'")).Should().Be(0);
    }

    [Fact]
    public async Task A_poison_event_is_parked_with_its_error_counted_for_alerts_and_the_projection_goes_on()
    {
        var (projection, category) = New();
        projection.Poison.Add(3);
        var last = await AppendAsync(category, 10);
        using var parked = new MeasurementSum("eventsourced.projection.events_parked", "projection", projection.Name);

        Start(projection);
        await WaitForAsync(projection, last);

        (await AppliedAsync(projection)).Should().HaveCount(9);
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.dead_letters WHERE projection = '{projection.Name}' AND error LIKE '%Poison event%'")).Should().Be(1);
        // Counted once the parking commits, just after the checkpoint the wait above saw.
        await Eventually.HoldsAsync(() => Task.FromResult(parked.Value == 1), "the parked event to be counted");
        parked.Value.Should().Be(1);
    }

    [Theory]
    [InlineData("moments at +03:00, which closes the connection")]
    [InlineData("a type it has no mapping for, which leaves its prepared statements out of step")]
    public async Task An_event_whose_write_the_database_client_refuses_is_parked_alone_and_the_projection_goes_on(string refused)
    {
        var (projection, category) = New();
        projection.RefusedOnWrite[3] = refused.StartsWith("moments", StringComparison.Ordinal)
            ? new[] { new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.FromHours(3)) }
            : new Happened(3);
        var last = await AppendAsync(category, 10);

        Start(projection);
        await WaitForAsync(projection, last);

        (await AppliedAsync(projection)).Should().HaveCount(9, refused);
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.dead_letters WHERE projection = '{projection.Name}'")).Should().Be(1, refused);
    }

    [Fact]
    public async Task With_the_stop_policy_a_poison_event_stops_the_projection_at_it()
    {
        var (projection, category) = New();
        projection.Poison.Add(3);
        await AppendAsync(category, 10);

        await StartStoppingAtPoisonAsync(projection);

        (await AppliedAsync(projection)).Should().HaveCount(3, "values 0, 1 and 2 came before the poison event");
    }

    [Fact]
    public async Task Of_two_nodes_one_runs_the_projection_and_the_other_takes_over_when_it_dies()
    {
        var (projection, category) = New();
        var first = Start(projection);
        Start(projection);
        var half = await AppendAsync(category, 100);
        await WaitForAsync(projection, half);

        await first.CancelAsync();
        var last = await AppendAsync(category, 100);
        await WaitForAsync(projection, last);

        (await AppliedAsync(projection)).Should().HaveCount(200).And.OnlyContain(applied => applied == 1);
    }

    [Fact]
    public async Task A_stopped_runner_gives_its_lock_back_although_its_connection_stays_in_the_pool()
    {
        var (projection, category) = New();
        var stop = Start(projection);
        await WaitForAsync(projection, await AppendAsync(category, 5));

        await stop.CancelAsync();
        await _runners[^1].Running;

        // Another data source, so the check cannot borrow (and so reset) the runner's pooled connection.
        await using var other = Npgsql.NpgsqlDataSource.Create(fixture.Database.ConnectionString);
        await using var command = other.CreateCommand("SELECT pg_try_advisory_lock(hashtext($1))");
        command.Parameters.AddWithValue($"eventsourced.projection.{projection.Name}.leader");
        ((bool)(await command.ExecuteScalarAsync())!).Should().BeTrue();
    }

    [Fact]
    public async Task A_new_version_is_built_beside_the_serving_one_and_swapped_in_once_caught_up()
    {
        var (v1, category) = await VersionOneServingAsync();

        var v2 = new CountingProjection(v1.Name, category, version: 2);
        Start(v2);
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND active AND version = 2") == 1, "version 2 to serve");

        (await Node.ScalarAsync($"SELECT count(*) FROM rm.{v1.Name} WHERE version = 2")).Should().Be(30);
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = 'rm' AND tablename = '{v1.Name}_g1'") == 0, "the old generation to be dropped");
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}'")).Should().Be(1);
    }

    [Fact]
    public async Task In_a_rolling_upgrade_an_older_node_leaves_the_projection_to_the_newer_ones_and_builds_its_own_only_once_they_are_gone()
    {
        // The old node, leading a round that nothing but the newer nodes will end.
        var (v1, category) = await VersionOneServingAsync();
        Start(v1);
        await WaitForAsync(v1, await AppendAsync(category, 5));

        // Two nodes of version 2 join while the old node leads and keeps running.
        var v2 = new CountingProjection(v1.Name, category, version: 2);
        var newer = new[] { Start(v2), Start(v2) };
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND active AND version = 2") == 1, "version 2 to serve");
        var status = new ProjectionStatusQueries(Node.DataSource, Node.Store, [v2], [], TimeProvider.System);
        await Eventually.HoldsAsync(
            async () => (await status.AllAsync(CancellationToken.None)).Single(s => s.Name == v1.Name && s.Serving).NodesRunning == 2, "operators to see both nodes of version 2");

        // The leading one of them loses its connection: the other one takes over, not the old node.
        (await Node.ScalarAsync(
            $"SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE {HeldSql(v1, "leader")}"))
            .Should().Be(1);
        await WaitForAsync(v2, await AppendAsync(category, 10));
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND version = 1")).Should().Be(0, "the old node built nothing of its own");
        (await AppliedAsync(v2)).Should().HaveCount(45).And.OnlyContain(applied => applied == 1);

        // A rollback: with no node of version 2 left, the old node builds its own version again.
        foreach (var node in newer)
        {
            await node.CancelAsync();
        }

        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND active AND version = 1") == 1, "version 1 to serve again");
        (await Node.ScalarAsync($"SELECT count(*) FROM rm.{v1.Name} WHERE version = 1")).Should().Be(45);
    }

    [Fact]
    public async Task While_a_newer_version_is_built_one_node_of_the_serving_version_keeps_it_live_until_the_swap()
    {
        // Two old nodes, and a node of version 2 whose build is held at its first event. The old
        // ones look at the generations every 2 s: their keeper goes on for that long after the swap.
        var (v1, category) = await VersionOneServingAsync();
        var slowToNotice = new ProjectionOptions { StandbyRetry = TimeSpan.FromSeconds(2) };
        Start(v1, slowToNotice);
        Start(v1, slowToNotice);
        using var held = new ManualResetEventSlim();
        var v2 = new NextVersionOf(v1, heldUntil: held);
        try
        {
            Start(v2);
            await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND version = 2") == 1, "version 2's build");

            // Events written meanwhile reach the serving version 1, once each, while version 2 is held.
            for (var batch = 0; batch < 3; batch++)
            {
                await WaitForAsync(v1, await AppendAsync(category, 5));
            }

            (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND active AND version = 1")).Should().Be(1, "version 2 is still held");
            (await AppliedAsync(v1)).Should().HaveCount(45).And.OnlyContain(applied => applied == 1);
            var status = new ProjectionStatusQueries(Node.DataSource, Node.Store, [v1], [], TimeProvider.System);
            (await status.WaitingAsync(CancellationToken.None))[v1.Name].Should().Be(new ReadModelBehind(TimeSpan.Zero, BuildingVersion: null), "readiness sees it caught up");
        }
        finally
        {
            held.Set();
        }

        // Swapped in. The old generation is dropped only once its keeper, slow to notice, has let
        // go: events written just after that would otherwise reach it, fail, and be parked there.
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND active AND version = 2") == 1, "version 2 to serve");
        await AppendAsync(category, 5);
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = 'rm' AND tablename = '{v1.Name}_g1'") == 0, "the old generation to be dropped");
        await WaitForAsync(v2, await AppendAsync(category, 5));
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM pg_locks WHERE {HeldSql(v1, "g1.writer")}") == 0, "the old keeper to be gone");
        (await AppliedAsync(v2)).Should().HaveCount(55).And.OnlyContain(applied => applied == 1);
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.dead_letters WHERE projection = '{v1.Name}'")).Should().Be(0);
    }

    [Fact]
    public async Task While_a_new_version_is_built_its_queries_read_the_serving_one_with_the_column_it_added()
    {
        var (v1, category) = await VersionOneServingAsync();

        // Made as a node of version 2 makes it, and not built yet: version 1 still serves.
        var v2 = new CountingProjection(v1.Name, category, version: 2, addedColumn: "note");
        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            var (serving, building) = await ProjectionGenerations.PrepareAsync(connection, v2, CancellationToken.None);
            (serving, building?.Version).Should().Be((null, 2));
        }

        (await Node.ScalarAsync($"SELECT count(*) FROM rm.{v1.Name} WHERE version = 1 AND note IS NULL")).Should().Be(30, "version 2's query reads version 1's rows");
        Start(v2);
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{v1.Name}' AND active AND version = 2") == 1, "version 2 to serve");
        (await Node.ScalarAsync($"SELECT count(*) FROM rm.{v1.Name} WHERE version = 2 AND note IS NULL")).Should().Be(30);
    }

    [Fact]
    public async Task A_column_and_an_index_added_to_a_version_are_made_on_its_serving_generation_without_a_rebuild_and_on_the_next_one()
    {
        var (built, category) = await VersionOneServingAsync();

        // The same version, as a node with the column and the index added starts it.
        var indexed = new CountingProjection(built.Name, category, addedSinceBuilt: true);
        var first = Start(indexed);
        await Eventually.HoldsAsync(() => IndexedAsync(indexed, generation: 1), "the added index on the serving generation");
        await WaitForAsync(indexed, await AppendAsync(category, 5));

        (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{built.Name}'")).Should().Be(1, "no generation was built for it");
        (await Node.ScalarAsync($"SELECT count(*) FROM rm.{built.Name} WHERE {CountingProjection.AddedSinceBuiltColumn} IS NULL")).Should().Be(35, "its view shows the added column");
        (await AppliedAsync(indexed)).Should().HaveCount(35).And.OnlyContain(applied => applied == 1);

        // Another node takes the lead while a long report reads the read model: it does not lock
        // the table again for what is there already, so it goes on writing.
        await first.CancelAsync();
        await using (var report = await Node.DataSource.OpenConnectionAsync())
        await using (var reading = await report.BeginTransactionAsync())
        {
            await using (var read = new NpgsqlCommand($"SELECT count(*) FROM rm.{built.Name}", report, reading))
            {
                await read.ExecuteScalarAsync();
            }

            Start(indexed);
            await WaitForAsync(indexed, await AppendAsync(category, 5));
        }

        (await AppliedAsync(indexed)).Should().HaveCount(40).And.OnlyContain(applied => applied == 1);
        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            await ProjectionGenerations.RequestRebuildAsync(connection, indexed, CancellationToken.None);
        }

        await UntilServingAsync(indexed, generation: 2);
        (await IndexedAsync(indexed, generation: 2)).Should().BeTrue("a new generation is made with it");
    }

    [Fact]
    public async Task A_rebuild_fills_a_new_generation_while_the_serving_one_stays_live_then_swaps_in()
    {
        var (projection, category) = New();
        Start(projection);
        await WaitForAsync(projection, await AppendAsync(category, 30));

        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            (await ProjectionGenerations.RequestRebuildAsync(connection, projection, CancellationToken.None)).Number.Should().Be(2);
        }

        var last = await AppendAsync(category, 20);
        await UntilServingAsync(projection, generation: 2);
        await WaitForAsync(projection, last);

        (await AppliedAsync(projection)).Should().HaveCount(50).And.OnlyContain(applied => applied == 1);
        await Eventually.HoldsAsync(() => AnalyzedAsync($"{projection.Name}_g2"), "generation 2 to have been analyzed before it served");
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = 'rm' AND tablename = '{projection.Name}_g1'") == 0, "generation 1 to be dropped");
    }

    [Fact]
    public async Task A_swap_waits_for_a_long_query_on_the_read_model_without_holding_up_the_queries_that_come_after_it()
    {
        var (projection, category) = New();
        Start(projection);
        await WaitForAsync(projection, await AppendAsync(category, 30));

        // A long report: a transaction that has read the read model and is still open.
        await using var report = await Node.DataSource.OpenConnectionAsync();
        await using var reading = await report.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand($"SELECT count(*) FROM rm.{projection.Name}", report, reading))
        {
            await read.ExecuteScalarAsync();
        }

        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            await ProjectionGenerations.RequestRebuildAsync(connection, projection, CancellationToken.None);
        }

        // Generation 2 caught up, its swap waits for the view. A query meanwhile is answered: it
        // would wait behind the swap for as long as the report runs, were the swap not to give up.
        await Eventually.HoldsAsync(
            async () => await Node.ScalarAsync($"SELECT count(*) FROM pg_locks WHERE relation = 'rm.{projection.Name}'::regclass AND NOT granted") > 0, "the swap to wait for the view");
        await using (var query = await Node.DataSource.OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand($"SET statement_timeout = '10s'; SELECT count(*) FROM rm.{projection.Name}", query);
            (await command.ExecuteScalarAsync()).Should().Be(30L);
        }

        (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{projection.Name}' AND active AND generation = 1")).Should().Be(1, "the report still reads it");
        await reading.CommitAsync();
        await UntilServingAsync(projection, generation: 2);
        (await AppliedAsync(projection)).Should().HaveCount(30).And.OnlyContain(applied => applied == 1);
    }

    [Fact]
    public async Task A_runner_stopped_while_it_waits_to_try_again_after_a_failure_ends_without_an_error()
    {
        // A name no table can take: its round fails, and the runner waits ten minutes to try again.
        var broken = new CountingProjection($"counting-{Guid.NewGuid():N}"[..20], "catbroken");
        using var logs = new CapturedLogs(LogLevel.Error);
        using var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(
            broken, Node.DataSource, Node.Store, Registry, new ProjectionOptions { StandbyRetry = TimeSpan.FromMinutes(10) }, new ProjectionProgress(Node.DataSource), logs.CreateLogger("runner"));
        var running = Task.Run(() => runner.RunAsync(stop.Token));
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("starts again from its checkpoint", StringComparison.Ordinal))), "the round to fail");

        await stop.CancelAsync();

        // As a host stopping: an exception here would be reported as the service failing.
        var ending = () => running.WaitAsync(TimeSpan.FromSeconds(30));
        await ending.Should().NotThrowAsync();
    }

    [Fact]
    public async Task A_growing_read_model_is_analyzed_by_the_runner_without_waiting_for_autovacuum()
    {
        var (projection, category) = New();
        Start(projection);
        await WaitForAsync(projection, await AppendAsync(category, 1_100));

        // Table statistics reach other sessions within a second or so (PostgreSQL flushes them lazily).
        await Eventually.HoldsAsync(() => AnalyzedAsync($"{projection.Name}_g1"), "the table to be analyzed once 1,000 events were applied");
    }

    [Fact]
    public async Task A_projection_stopped_by_a_poison_event_goes_on_after_a_reset()
    {
        var (projection, category) = New();
        projection.Poison.Add(3);
        var last = await AppendAsync(category, 10);
        await StartStoppingAtPoisonAsync(projection);

        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            await ProjectionGenerations.ResetAsync(connection, projection.Name, CancellationToken.None);
        }

        await WaitForAsync(projection, last);
        (await AppliedAsync(projection)).Should().HaveCount(9, "everything but the parked event");
    }

    [Fact]
    public async Task A_parked_event_is_listed_with_its_stream_replayed_once_fixed_and_the_stopped_projection_goes_on()
    {
        var (projection, category) = New();
        projection.Poison.Add(3);
        await AppendAsync(category, 10);
        await StartStoppingAtPoisonAsync(projection);
        var deadLetters = DeadLettersOf(projection);
        var parked = (await deadLetters.ListAsync(projection, 100, 0, CancellationToken.None)).Should().ContainSingle().Subject;

        var unfixed = await deadLetters.ReplayAsync(projection, parked.Id, CancellationToken.None);
        projection.Poison.Clear();
        var later = await AppendAsync(category, 5);
        var replayed = await deadLetters.ReplayAsync(projection, parked.Id, CancellationToken.None);

        parked.StreamId.Should().StartWith($"{category}-");
        parked.EventType.Should().Be("something_happened");
        parked.Error.Should().Contain("Poison event");
        unfixed.Error.Should().Contain("Poison event", "the fix is not in yet, so nothing changed");
        replayed.Should().Be(new DeadLetterReplayed(true, parked.StreamId, 4, null, Resumed: true), "values 0 to 3, up to where the projection stopped");
        (await deadLetters.ListAsync(projection, 100, 0, CancellationToken.None)).Should().BeEmpty();
        await WaitForAsync(projection, later);
        (await AppliedAsync(projection)).Should().HaveCount(15).And.OnlyContain(applied => applied == 1);
    }

    [Fact]
    public async Task Every_parked_event_is_replayed_at_once_after_the_fix_each_stream_projected_again_once()
    {
        // A handler that failed on two values skipped four events of two streams.
        var (projection, category) = New();
        projection.Poison.UnionWith([3, 5]);
        await AppendAsync(category, 10);
        var last = await AppendAsync(category, 10);
        Start(projection, new ProjectionOptions { OnPoisonEvent = PoisonEventPolicy.Skip, StandbyRetry = TimeSpan.FromMilliseconds(50) });
        await WaitForAsync(projection, last);
        var deadLetters = DeadLettersOf(projection);
        var parked = await deadLetters.ListAsync(projection, 100, 0, CancellationToken.None);
        var firstPage = await deadLetters.ListAsync(projection, 3, 0, CancellationToken.None);
        var nextPage = await deadLetters.ListAsync(projection, 3, firstPage[^1].Id, CancellationToken.None);

        var unfixed = await deadLetters.ReplayAllAsync(projection, CancellationToken.None);
        projection.Poison.Clear();
        var replayed = await deadLetters.ReplayAllAsync(projection, CancellationToken.None);

        parked.Should().HaveCount(4);
        firstPage.Concat(nextPage).Should().Equal(parked, "pages by the last id listed, in the order they were parked");
        (unfixed.Replayed, unfixed.StillFailing.Select(f => f.Id)).Should().BeEquivalentTo((0, parked.Select(p => p.Id)), "the fix is not in yet, so nothing changed");
        unfixed.StillFailing.Should().OnlyContain(f => f.Error.Contains("Poison event"));
        replayed.Should().BeEquivalentTo(new DeadLettersReplayed(4, 2, [], Resumed: false));
        (await deadLetters.ListAsync(projection, 100, 0, CancellationToken.None)).Should().BeEmpty();
        (await AppliedAsync(projection)).Should().HaveCount(20).And.OnlyContain(applied => applied == 1);
    }

    [Fact]
    public async Task A_rebuild_stopped_at_a_poison_event_lists_it_as_the_builds_and_replaying_it_after_the_fix_lets_the_build_swap_in()
    {
        var (projection, category) = New();
        var last = await AppendAsync(category, 10);
        Start(projection, new ProjectionOptions { OnPoisonEvent = PoisonEventPolicy.Stop, StandbyRetry = TimeSpan.FromMilliseconds(50) });
        await WaitForAsync(projection, last);
        projection.Poison.Add(3);
        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            await ProjectionGenerations.RequestRebuildAsync(connection, projection, CancellationToken.None);
        }

        await Eventually.HoldsAsync(
            async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{projection.Name}' AND generation = 2 AND stopped") == 1,
            "the build to stop at the poison event");
        var deadLetters = DeadLettersOf(projection);
        var parked = (await deadLetters.ListAsync(projection, 100, 0, CancellationToken.None)).Should().ContainSingle().Subject;
        projection.Poison.Clear();
        var replayed = await deadLetters.ReplayAsync(projection, parked.Id, CancellationToken.None);

        (parked.Generation, parked.Serving).Should().Be((2, false), "the build parked it; generation 1 serves");
        replayed.Should().Be(new DeadLetterReplayed(true, parked.StreamId, 4, null, Resumed: true), "values 0 to 3, into the build up to where it stopped");
        await UntilServingAsync(projection, generation: 2);
        (await AppliedAsync(projection)).Should().HaveCount(10).And.OnlyContain(applied => applied == 1);
    }

    [Fact]
    public async Task The_dead_letters_of_a_build_a_newer_version_abandoned_are_not_listed_by_it()
    {
        var (v1, category) = New();
        var stopV1 = Start(v1);
        await WaitForAsync(v1, await AppendAsync(category, 10));
        await stopV1.CancelAsync();
        var v2 = new CountingProjection(v1.Name, category, version: 2);
        v2.Poison.Add(3);
        await StartStoppingAtPoisonAsync(v2);

        var v3 = new CountingProjection(v1.Name, category, version: 3);

        (await DeadLettersOf(v2).ListAsync(v2, 100, 0, CancellationToken.None)).Should().ContainSingle().Which.Generation.Should().Be(2);
        (await DeadLettersOf(v3).ListAsync(v3, 100, 0, CancellationToken.None)).Should().BeEmpty("version 3 builds a generation of its own; generation 2 is dropped once that serves");
    }

    [Fact]
    public async Task A_discarded_dead_letter_is_gone_and_the_projection_stopped_by_it_goes_on_without_its_event()
    {
        var (projection, category) = New();
        projection.Poison.Add(3);
        var last = await AppendAsync(category, 10);
        await StartStoppingAtPoisonAsync(projection);
        var deadLetters = DeadLettersOf(projection);
        var parked = (await deadLetters.ListAsync(projection, 100, 0, CancellationToken.None)).Should().ContainSingle().Subject;

        (await deadLetters.DiscardAsync(projection, parked.Id, CancellationToken.None)).Should().BeTrue();
        (await deadLetters.DiscardAsync(projection, parked.Id, CancellationToken.None)).Should().BeFalse("it is gone");
        (await deadLetters.ReplayAsync(projection, parked.Id, CancellationToken.None)).Found.Should().BeFalse();

        await WaitForAsync(projection, last);
        (await AppliedAsync(projection)).Should().HaveCount(9, "everything but the discarded event");
    }

    [Fact]
    public async Task Rebuilds_asked_for_while_a_node_makes_the_first_generation_all_succeed_and_share_one()
    {
        // As an operator's rebuild on a node's first start: the requests and the node's first
        // build each find no generation, and each goes to make one.
        var (projection, _) = New();
        async Task<int> OnItsOwnConnection(Func<NpgsqlConnection, Task<int>> ask)
        {
            await using var connection = await Node.DataSource.OpenConnectionAsync();
            return await ask(connection);
        }

        var rebuilds = Enumerable.Range(0, 8).Select(_ => Task.Run(() => OnItsOwnConnection(async c => (await ProjectionGenerations.RequestRebuildAsync(c, projection, CancellationToken.None)).Number))).ToList();
        var firstBuild = Task.Run(() => OnItsOwnConnection(async c =>
        {
            var (serving, building) = await ProjectionGenerations.PrepareAsync(c, projection, CancellationToken.None);
            return (serving ?? building)!.Number;
        }));

        var asked = await Task.WhenAll(rebuilds);
        await firstBuild;
        // Each request is answered with the generation being built at that moment: the first (not
        // serving yet), or the one made beside it once it serves. Never two built at once.
        asked.Should().OnlyContain(number => number == 1 || number == 2);
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{projection.Name}'")).Should().BeInRange(1, 2, "the first build, and at most one rebuild beside it");
    }

    [Fact]
    public async Task A_node_that_found_no_generation_but_waited_while_another_made_one_serve_shares_it()
    {
        // Two nodes start on an empty store: both find no generation; the second waits for the
        // lock while the first makes one and makes it serve. Holding the lock here, at session
        // level, makes that order certain: the first node runs on this very session, whose own
        // lock never blocks it.
        var (projection, _) = New();
        await using var first = await Node.DataSource.OpenConnectionAsync();
        await using var second = await Node.DataSource.OpenConnectionAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext($1))", first))
        {
            hold.Parameters.AddWithValue(ProjectionGenerations.LockName(projection.Name));
            await hold.ExecuteNonQueryAsync();
        }

        var secondStart = ProjectionGenerations.PrepareAsync(second, projection, CancellationToken.None);
        await Eventually.HoldsAsync(
            async () => await Node.ScalarAsync($"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = {second.ProcessID}") == 1,
            "the second node to wait for the lock");
        var (firstServing, _) = await ProjectionGenerations.PrepareAsync(first, projection, CancellationToken.None);
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", first))
        {
            await release.ExecuteNonQueryAsync();
        }

        var (secondServing, secondBuilding) = await secondStart;

        firstServing!.Number.Should().Be(1);
        secondServing.Should().Be(firstServing, "the generation made meanwhile serves this node too");
        secondBuilding.Should().BeNull("nothing needs building beside it");
        (await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{projection.Name}'")).Should().Be(1);
    }

    private static (CountingProjection Projection, string Category) New()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        return (new CountingProjection($"counting_{suffix}", $"cat{suffix}"), $"cat{suffix}");
    }

    /// <summary>A projection's version 1, built over 30 events of its category and serving, its runner stopped.</summary>
    private async Task<(CountingProjection Projection, string Category)> VersionOneServingAsync()
    {
        var (v1, category) = New();
        var stop = Start(v1);
        await WaitForAsync(v1, await AppendAsync(category, 30));
        await stop.CancelAsync();
        return (v1, category);
    }

    /// <summary>Runs the projection with the Stop policy, until it has stopped at a poison event.</summary>
    private async Task StartStoppingAtPoisonAsync(IProjection projection)
    {
        Start(projection, new ProjectionOptions { OnPoisonEvent = PoisonEventPolicy.Stop, StandbyRetry = TimeSpan.FromMilliseconds(50) });
        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{projection.Name}' AND stopped") == 1, "the projection to stop");
    }

    private Task UntilServingAsync(IProjection projection, int generation) => Eventually.HoldsAsync(
        async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{projection.Name}' AND active AND generation = {generation}") == 1,
        $"generation {generation} to serve");

    private async Task<bool> IndexedAsync(IProjection projection, int generation) =>
        await Node.ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE schemaname = 'rm' AND tablename = '{projection.Name}_g{generation}' AND indexname = '{Generation.IndexName($"rm.{projection.Name}_g{generation}", CountingProjection.AddedIndexSuffix)}'") == 1;

    /// <summary>A condition on pg_locks: the lock of a runner's role (leader, g1.writer) in the projection, held.</summary>
    private static string HeldSql(IProjection projection, string role) =>
        $"locktype = 'advisory' AND objsubid = 1 AND granted AND ((classid::bigint << 32) | objid::bigint) = hashtext('{ProjectionGenerations.RoleLockName(projection.Name, role)}')::bigint";

    private ProjectionDeadLetters DeadLettersOf(IProjection projection) =>
        new(Node.DataSource, Node.Store, new ProjectionOperations(Node.DataSource, [projection], Node.Store, Registry));

    private CancellationTokenSource Start(IProjection projection, ProjectionOptions? options = null)
    {
        options ??= new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(50) };
        var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(projection, Node.DataSource, Node.Store, Registry, options, new ProjectionProgress(Node.DataSource), NullLogger.Instance);
        _runners.Add((stop, Task.Run(() => runner.RunAsync(stop.Token))));
        return stop;
    }

    private async Task<long> AppendAsync(string category, int count)
    {
        var stream = $"{category}-{Guid.NewGuid():N}";
        var result = await Node.Store.AppendAsync(stream, ExpectedVersion.Any, Events.Many(count));
        return result.Position;
    }

    private Task WaitForAsync(IProjection projection, long position) =>
        Eventually.HoldsAsync(async () => await new ProjectionProgress(Node.DataSource).WaitForAsync(projection.Name, position, TimeSpan.FromSeconds(1), CancellationToken.None), $"{projection.Name} to reach {position}");

    /// <summary>Whether the table was analyzed by a statement (the runner), not by autovacuum (last_autoanalyze).</summary>
    private async Task<bool> AnalyzedAsync(string table) =>
        await Node.ScalarAsync($"SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'rm' AND relname = '{table}' AND last_analyze IS NOT NULL") == 1;

    private async Task<List<int>> AppliedAsync(IProjection projection)
    {
        await using var command = Node.DataSource.CreateCommand($"SELECT applied FROM rm.{projection.Name}");
        await using var reader = await command.ExecuteReaderAsync();
        var applied = new List<int>();
        while (await reader.ReadAsync())
        {
            applied.Add(reader.GetInt32(0));
        }

        return applied;
    }
}
