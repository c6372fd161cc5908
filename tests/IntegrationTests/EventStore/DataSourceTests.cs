using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// The store's connections plan each statement once (generic plans), read-model queries' connections
/// plan each execution for its values (ADR 0029), and a connection string's own choice is kept.
/// </summary>
public sealed class DataSourceTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    [Fact]
    public async Task The_stores_connections_plan_once_and_the_queries_connections_for_each_execution()
    {
        await using var store = EventStoreDataSource.Create(fixture.Database.ConnectionString);
        await using var queries = EventStoreDataSource.CreateForQueries(fixture.Database.ConnectionString);

        (await PlanCacheModeAsync(store)).Should().Be("force_generic_plan");
        (await PlanCacheModeAsync(queries)).Should().Be("auto");
    }

    [Fact]
    public async Task A_connection_string_that_chooses_a_plan_cache_mode_keeps_it()
    {
        var custom = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Options = "-c plan_cache_mode=force_custom_plan" }.ConnectionString;
        await using var store = EventStoreDataSource.Create(custom);

        (await PlanCacheModeAsync(store)).Should().Be("force_custom_plan");
    }

    private static async Task<string> PlanCacheModeAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SHOW plan_cache_mode");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
