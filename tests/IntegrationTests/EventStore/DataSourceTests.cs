using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// The store's connections plan each statement once (generic plans), read-model queries' connections
/// plan each execution for its values (ADR 0029), and a connection string's own choice is kept.
/// Both ends of every connection probe the other once it is silent (ADR 0044).
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

    [Fact]
    public async Task Both_ends_of_every_connection_probe_the_other_and_give_it_up_once_silent_for_the_dead_connection_timeout()
    {
        await using var store = EventStoreDataSource.Create(fixture.Database.ConnectionString, TimeSpan.FromSeconds(30));
        await using var queries = EventStoreDataSource.CreateForQueries(fixture.Database.ConnectionString, TimeSpan.FromSeconds(30));
        await using var serverDefaults = EventStoreDataSource.Create(fixture.Database.ConnectionString, TimeSpan.Zero);
        await using var plain = NpgsqlDataSource.Create(fixture.Database.ConnectionString);

        (await DeadConnectionSettingsAsync(store)).Should().Be("10 5 4 30000 5s", "probes after 10 s idle, every 5 s, 4 of them: 30 s; a statement running looks every 5 s");
        (await DeadConnectionSettingsAsync(queries)).Should().Be("10 5 4 30000 5s");
        (await DeadConnectionSettingsAsync(serverDefaults)).Should().Be(await DeadConnectionSettingsAsync(plain), "zero leaves the server's settings");
        ClientKeepalive(store).Should().Be((10, 2), "the system's 9 probes 2 s apart after 10 s idle: 28 s");
        ClientKeepalive(queries).Should().Be((10, 2));
        ClientKeepalive(serverDefaults).Should().Be((0, 0));
    }

    [Fact]
    public async Task A_connection_string_that_sets_its_own_client_keepalive_keeps_it()
    {
        var custom = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { TcpKeepAliveTime = 60, TcpKeepAliveInterval = 7 }.ConnectionString;
        await using var store = EventStoreDataSource.Create(custom, TimeSpan.FromSeconds(30));

        ClientKeepalive(store).Should().Be((60, 7));
    }

    [Theory]
    [InlineData("primary", "primary", "prefer-primary")]
    [InlineData("Primary", "primary", "prefer-primary")]
    [InlineData("any", "any", "any")]
    [InlineData("prefer-standby", "prefer-standby", "prefer-standby")]
    public async Task Queries_prefer_the_primary_where_the_store_asks_for_it_and_keep_any_other_choice(string asked, string store, string queries)
    {
        // No connection is opened: the hosts need not exist (the failover itself: FailoverTests).
        var hosts = $"Host=127.0.0.1:1,127.0.0.1:2;Target Session Attributes={asked};Username=u;Password=p;Database=d";
        await using var commands = EventStoreDataSource.Create(hosts);
        await using var reads = EventStoreDataSource.CreateForQueries(hosts);

        new NpgsqlConnectionStringBuilder(commands.ConnectionString).TargetSessionAttributes.Should().Be(store);
        new NpgsqlConnectionStringBuilder(reads.ConnectionString).TargetSessionAttributes.Should().Be(queries);
    }

    private static (int Time, int Interval) ClientKeepalive(NpgsqlDataSource dataSource)
    {
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        return (settings.TcpKeepAliveTime, settings.TcpKeepAliveInterval);
    }

    private static async Task<string> DeadConnectionSettingsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT concat_ws(' ', current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count'), current_setting('tcp_user_timeout'), current_setting('client_connection_check_interval'))");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> PlanCacheModeAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SHOW plan_cache_mode");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
