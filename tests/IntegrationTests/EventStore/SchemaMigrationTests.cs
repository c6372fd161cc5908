using System.Text.Json.Nodes;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class SchemaMigrationTests
{
    [Fact]
    public async Task Nodes_starting_together_migrate_once_without_colliding_and_a_restart_changes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var migrator = new SchemaMigrator(dataSource, new EventStoreOptions(), NullLogger<SchemaMigrator>.Instance);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => migrator.MigrateAsync())));
        await migrator.MigrateAsync();

        (await FirstMigrationAppliedAsync(database)).Should().Be(1);
    }

    [Fact]
    public async Task A_node_started_before_its_database_answers_waits_saying_so_and_migrates_once_it_does()
    {
        await using var database = await TestDatabase.CreateAsync();
        var port = Loopback.FreePort();
        var logs = new CapturedLogs(LogLevel.Warning);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionStringThrough(port));
        var migrator = new SchemaMigrator(dataSource, new EventStoreOptions(), loggers.CreateLogger<SchemaMigrator>());

        var migrating = migrator.MigrateOnceReachableAsync(Wait.Patience * 2);
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Waiting for the event store's database"))), "the node to say it waits");
        migrating.IsCompleted.Should().BeFalse("nothing answers on its port yet");
        await using (TcpForwarder.Start(port, database.Address.Host, database.Address.Port))
        {
            await migrating;
        }

        (await FirstMigrationAppliedAsync(database)).Should().Be(1);
    }

    [Fact]
    public async Task A_node_whose_database_refuses_its_login_or_never_answers_gives_up_saying_what_to_check()
    {
        await using var database = await TestDatabase.CreateAsync();
        var logs = new CapturedLogs(LogLevel.Warning);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var refusing = Changed(database, c => c.Password = "not-the-password");
        await using var silent = NpgsqlDataSource.Create(database.ConnectionStringThrough(Loopback.FreePort()));

        var refused = await FluentActions.Awaiting(() => new SchemaMigrator(refusing, new EventStoreOptions(), loggers.CreateLogger<SchemaMigrator>()).MigrateOnceReachableAsync(Wait.Patience))
            .Should().ThrowAsync<PostgresException>();
        var waitedBefore = logs.Lines.Count;
        var gaveUp = await FluentActions.Awaiting(() => new SchemaMigrator(silent, new EventStoreOptions(), loggers.CreateLogger<SchemaMigrator>()).MigrateOnceReachableAsync(TimeSpan.FromSeconds(1)))
            .Should().ThrowAsync<InvalidOperationException>();

        refused.Which.SqlState.Should().Be(PostgresErrorCodes.InvalidPassword);
        waitedBefore.Should().Be(0, "a refused login is not waited for");
        gaveUp.Which.Message.Should().Contain("did not answer within 1 s").And.Contain("ConnectionStrings:EventStore").And.Contain("EventStore:StartupDatabaseWait");
    }

    [Fact]
    public async Task A_node_waits_its_turn_behind_another_nodes_migration_past_every_time_limit_the_operator_set()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var otherNodes = NpgsqlDataSource.Create(database.ConnectionString);
        // With a client-side command time-out of 2 s in the node's connection string too.
        await LimitStatementsAndLockWaitsAsync(otherNodes, database);
        var logs = new CapturedLogs(LogLevel.Information);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        // The node's own data source, whose connections are not reset when pooled.
        await using var dataSource = EventStoreDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { CommandTimeout = 2 }.ConnectionString);
        // Another node migrating; its session, which the test also watches from, lifts the limits
        // so that a busy machine does not cut the test's own statements off.
        await using var otherNode = await otherNodes.OpenConnectionAsync();
        await otherNode.ExecuteAsync("SET statement_timeout = 0; SET lock_timeout = 0; SELECT pg_advisory_lock(hashtext('eventsourced.migrations.es'))");

        var migrating = new SchemaMigrator(dataSource, new EventStoreOptions(), loggers.CreateLogger<SchemaMigrator>()).MigrateAsync();
        await Eventually.HoldsAsync(
            async () =>
            {
                if (migrating.IsFaulted)
                {
                    throw new InvalidOperationException("The node gave up waiting for its turn.", migrating.Exception);
                }

                return await LockWaitsAsync(database, "now() - query_start > interval '3 s'") > 0;
            },
            "the node to wait its turn for longer than every limit");
        await otherNode.ExecuteAsync("SELECT pg_advisory_unlock(hashtext('eventsourced.migrations.es'))");

        await migrating;
        (await otherNode.ScalarAsync("SELECT count(*) FROM es.schema_migrations WHERE id = '0001_event_store'")).Should().Be(1L);
        logs.Lines.Should().Contain(l => l.Contains("Another node is migrating schema es; waiting for it to finish."));
        (await PooledLimitsAsync(dataSource)).Should().OnlyContain(limits => limits == "200ms 200ms");
    }

    [Fact]
    public async Task A_node_waiting_its_turn_says_which_session_holds_it_and_says_it_again_while_it_waits()
    {
        await using var database = await TestDatabase.CreateAsync();
        var logs = new CapturedLogs(LogLevel.Warning);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var dataSource = EventStoreDataSource.Create(database.ConnectionString);
        // Someone migrating by hand, from a session that names itself.
        await using var byHand = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = "migration by hand" }.ConnectionString);
        await byHand.OpenAsync();
        await byHand.ExecuteAsync("SELECT pg_advisory_lock(hashtext('eventsourced.migrations.es'))");
        var options = new EventStoreOptions { MigrationTurnReportInterval = TimeSpan.FromMilliseconds(300) };

        var migrating = new SchemaMigrator(dataSource, options, loggers.CreateLogger<SchemaMigrator>()).MigrateAsync();
        var holder = $"Its session: PostgreSQL process {byHand.ProcessID} of migration by hand at ";
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Lines.Count(l => l.Contains(holder)) >= 3), "the node to say who holds its turn, and again while it waits");
        migrating.IsCompleted.Should().BeFalse("the turn is still held");
        await byHand.ExecuteAsync("SELECT pg_advisory_unlock(hashtext('eventsourced.migrations.es'))");

        await migrating;
        (await byHand.ScalarAsync("SELECT count(*) FROM es.schema_migrations WHERE id = '0001_event_store'")).Should().Be(1L);
        (await byHand.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{EventStoreDataSource.DefaultApplicationName.Replace("'", "''", StringComparison.Ordinal)}'"))
            .Should().NotBe(0L, "the node's own sessions carry its name");
    }

    [SkippableFact]
    public async Task A_node_waiting_behind_a_session_of_another_role_names_what_it_may_see_of_it_and_goes_on_waiting()
    {
        // An operator's psql as the superuser: to the service's role, pg_stat_activity shows only
        // its process id and application name. The node once failed to start on the rest being null.
        Skip.If(PostgresCluster.CannotHandle is not null, PostgresCluster.CannotHandle);
        await using var database = await TestDatabase.CreateAsync();
        var logs = new CapturedLogs(LogLevel.Information);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var dataSource = EventStoreDataSource.Create(database.ConnectionString);
        var holder = $"operator-{Guid.NewGuid():N}"[..20];
        var holding = PostgresCluster.StartSuperuserSql(database.ConnectionString, "SELECT pg_advisory_lock(hashtext('eventsourced.migrations.es')); SELECT pg_sleep(300);", holder);
        try
        {
            // Its wait event is hidden from this role too; its lock is not.
            await Eventually.HoldsAsync(
                async () =>
                {
                    await using var watcher = await dataSource.OpenConnectionAsync();
                    return (long)(await watcher.ScalarAsync($"""
                        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                        WHERE a.application_name = '{holder}' AND l.locktype = 'advisory' AND l.granted
                        """))! > 0;
                },
                "the operator's session to hold the turn");
            var options = new EventStoreOptions { MigrationTurnReportInterval = TimeSpan.FromMilliseconds(300) };

            var migrating = new SchemaMigrator(dataSource, options, loggers.CreateLogger<SchemaMigrator>()).MigrateAsync();
            var seen = $"of {holder} at an address hidden from this role, connected since a time hidden from this role, its state hidden from this role";
            await Eventually.HoldsAsync(
                () => migrating.IsFaulted
                    ? throw new InvalidOperationException("The node gave up waiting for its turn.", migrating.Exception)
                    : Task.FromResult(logs.Lines.Count(l => l.Contains(seen, StringComparison.Ordinal)) >= 2),
                "the node to name the operator's session, twice, while it waits");
            await EndSessionAsync();

            await FluentActions.Awaiting(() => migrating).Should().NotThrowAsync("the turn is the node's once the session is gone");
        }
        finally
        {
            await EndSessionAsync();
            await ChildProcesses.EndAsync(holding);
        }

        // Only the superuser may end the superuser's session.
        async Task EndSessionAsync()
        {
            using var end = PostgresCluster.StartSuperuserSql(database.ConnectionString, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{holder}'", $"{holder}-end");
            await end.WaitForExitAsync();
            await ChildProcesses.EndAsync(end);
        }
    }

    [Fact]
    public async Task A_node_stopped_while_it_waits_its_turn_leaves_its_pool_with_the_operators_limits()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var otherNodes = NpgsqlDataSource.Create(database.ConnectionString);
        await LimitStatementsAndLockWaitsAsync(otherNodes, database);
        await using var dataSource = EventStoreDataSource.Create(database.ConnectionString);
        await using var otherNode = await otherNodes.OpenConnectionAsync();
        await otherNode.ExecuteAsync("SET statement_timeout = 0; SET lock_timeout = 0; SELECT pg_advisory_lock(hashtext('eventsourced.migrations.es'))");
        using var stopping = new CancellationTokenSource();

        var migrating = new SchemaMigrator(dataSource, new EventStoreOptions(), NullLogger<SchemaMigrator>.Instance).MigrateAsync(stopping.Token);
        await Eventually.HoldsAsync(
            async () => migrating.IsFaulted
                ? throw new InvalidOperationException("The node gave up waiting for its turn.", migrating.Exception)
                : await LockWaitsAsync(database, "TRUE") > 0,
            "the node to wait its turn");
        await stopping.CancelAsync();

        await FluentActions.Awaiting(() => migrating).Should().ThrowAsync<OperationCanceledException>();
        (await PooledLimitsAsync(dataSource)).Should().OnlyContain(limits => limits == "200ms 200ms");
    }

    /// <summary>
    /// The database's sessions waiting on a lock (and meeting <paramref name="condition"/>), seen
    /// from a session of its own with no limits. Not from the session that holds the turn: a probe
    /// given up on at the end of a wait would stay running on it, and closing it would then wait
    /// for that probe for ever (a run under load hung so for half an hour).
    /// </summary>
    private static async Task<long> LockWaitsAsync(TestDatabase database, string condition)
    {
        await using var watcher = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c statement_timeout=0", Pooling = false }.ConnectionString);
        await watcher.OpenAsync();
        return (long)(await watcher.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND {condition}"))!;
    }

    /// <summary>An operator's guard rails, for every session of the database: statements and lock waits cut off at 200 ms.</summary>
    private static async Task LimitStatementsAndLockWaitsAsync(NpgsqlDataSource dataSource, TestDatabase database)
    {
        await using var limits = dataSource.CreateCommand($"ALTER DATABASE \"{database.Name}\" SET statement_timeout = '200ms'; ALTER DATABASE \"{database.Name}\" SET lock_timeout = '200ms'");
        await limits.ExecuteNonQueryAsync();
    }

    /// <summary>The limits of every connection a node's pool holds: the migrator's and its session check's (three at most).</summary>
    private static async Task<List<string>> PooledLimitsAsync(NpgsqlDataSource dataSource)
    {
        var pooled = new List<NpgsqlConnection>();
        var limits = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            pooled.Add(await dataSource.OpenConnectionAsync());
            limits.Add((string)(await pooled[^1].ScalarAsync("SELECT current_setting('statement_timeout') || ' ' || current_setting('lock_timeout')"))!);
        }

        foreach (var connection in pooled)
        {
            await connection.DisposeAsync();
        }

        return limits;
    }

    [Fact]
    public async Task The_schema_name_is_configurable()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await EventStoreNode.StartAsync(database.ConnectionString, new EventStoreOptions { Schema = "tenant_a" });

        await node.Store.AppendAsync(Events.NewStream(), ExpectedVersion.Any, [Events.One()]);

        (await node.ScalarAsync("SELECT count(*) FROM tenant_a.events")).Should().Be(1);
    }

    [Fact]
    public async Task A_large_event_is_stored_compressed_with_lz4_and_reads_back_as_written()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await EventStoreNode.StartAsync(database.ConnectionString);
        (await node.ScalarAsync("SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)"))
            .Should().Be(1, "Debian's PostgreSQL, which the tests run on, is built with lz4");
        var stream = Events.NewStream();
        var deliveries = string.Join(',', Enumerable.Range(0, 100).Select(i => $$"""{"contactName":"Contact {{i}}","channel":"telegram","address":"@user_{{i}}"}"""));
        var large = new EventData(Guid.NewGuid(), "message_scheduled", $$"""{"deliveries":[{{deliveries}}]}""", new("c", null, "test"));

        await node.Store.AppendAsync(stream, ExpectedVersion.NoStream, [large]);

        (await node.ScalarAsync($"SELECT count(*) FROM es.events WHERE stream_id = '{stream}' AND pg_column_compression(data) = 'lz4'")).Should().Be(1);
        var read = await node.Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 1);
        JsonNode.DeepEquals(JsonNode.Parse(read[0].Data), JsonNode.Parse(large.Data)).Should().BeTrue();
    }

    [Fact]
    public async Task A_node_upgraded_while_a_backup_reads_the_events_starts_at_once_and_says_how_to_switch_to_lz4_later()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var logs = new CapturedLogs(LogLevel.Warning);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var migrator = new SchemaMigrator(dataSource, new EventStoreOptions(), loggers.CreateLogger<SchemaMigrator>());
        await migrator.MigrateAsync();
        // As a node of the version before saw it: pglz, and the lz4 migration not applied yet.
        await using (var undo = dataSource.CreateCommand(
            "ALTER TABLE es.events ALTER COLUMN data SET COMPRESSION pglz; DELETE FROM es.schema_migrations WHERE id = '0009_events_compressed_with_lz4'"))
        {
            await undo.ExecuteNonQueryAsync();
        }

        await using (var backup = await dataSource.OpenConnectionAsync())
        {
            // pg_dump reads every table in one long transaction.
            await using var reading = await backup.BeginTransactionAsync();
            await using (var read = new NpgsqlCommand("SELECT count(*) FROM es.events", backup, reading))
            {
                await read.ExecuteScalarAsync();
            }

            await migrator.MigrateAsync();
        }

        logs.Lines.Should().ContainSingle("PostgreSQL's notices (\"already exists, skipping\") are not the operator's warnings")
            .Which.Should().Contain("The events stay compressed with pglz").And.Contain("ALTER TABLE es.events ALTER COLUMN data SET COMPRESSION lz4");
        await using var compression = dataSource.CreateCommand(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'es.events'::regclass AND attname = 'data'");
        (await compression.ExecuteScalarAsync()).Should().Be("p", "the change waited briefly, then let the backup be");
    }

    /// <summary>A data source for the test's database, its connection string changed (another port, a wrong password).</summary>
    private static NpgsqlDataSource Changed(TestDatabase database, Action<NpgsqlConnectionStringBuilder> change)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        change(builder);
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>How often the first migration is recorded as applied, read directly.</summary>
    private static async Task<long> FirstMigrationAppliedAsync(TestDatabase database)
    {
        await using var direct = NpgsqlDataSource.Create(database.ConnectionString);
        await using var command = direct.CreateCommand("SELECT count(*) FROM es.schema_migrations WHERE id = '0001_event_store'");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
