using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
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

        await using var command = dataSource.CreateCommand("SELECT count(*) FROM es.schema_migrations WHERE id = '0001_event_store'");
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(1);
    }

    [Fact]
    public async Task The_schema_name_is_configurable()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await EventStoreNode.StartAsync(database.ConnectionString, new EventStoreOptions { Schema = "tenant_a" });

        await node.Store.AppendAsync(Events.NewStream(), Application.EventStore.ExpectedVersion.Any, [Events.One()]);

        (await node.ScalarAsync("SELECT count(*) FROM tenant_a.events")).Should().Be(1);
    }
}
