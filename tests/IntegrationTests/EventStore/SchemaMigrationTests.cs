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
        var real = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var port = Loopback.FreePort();
        var logs = new CapturedLogs(LogLevel.Warning);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var dataSource = Changed(database, c => (c.Host, c.Port) = ("127.0.0.1", port));
        var migrator = new SchemaMigrator(dataSource, new EventStoreOptions(), loggers.CreateLogger<SchemaMigrator>());

        var migrating = migrator.MigrateOnceReachableAsync(Wait.Patience * 2);
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Waiting for the event store's database"))), "the node to say it waits");
        migrating.IsCompleted.Should().BeFalse("nothing answers on its port yet");
        await using (TcpForwarder.Start(port, real.Host!, real.Port))
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
        await using var silent = Changed(database, c => (c.Host, c.Port) = ("127.0.0.1", Loopback.FreePort()));

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
    public async Task The_schema_name_is_configurable()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await EventStoreNode.StartAsync(database.ConnectionString, new EventStoreOptions { Schema = "tenant_a" });

        await node.Store.AppendAsync(Events.NewStream(), Application.EventStore.ExpectedVersion.Any, [Events.One()]);

        (await node.ScalarAsync("SELECT count(*) FROM tenant_a.events")).Should().Be(1);
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
