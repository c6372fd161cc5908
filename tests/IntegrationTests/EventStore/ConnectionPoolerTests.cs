using System.Net;
using System.Net.Http.Json;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// A node behind Debian's PgBouncer (ADR 0043): in session mode, with PgBouncer's stock settings,
/// it serves as it does on a direct connection; in transaction mode, where its session advisory
/// locks would stay with whichever server session ran them, it refuses to start and says why.
/// </summary>
public sealed class ConnectionPoolerTests
{
    [Fact]
    public Task A_node_behind_PgBouncer_in_session_mode_serves_commands_and_read_models_and_plans_its_statements_once() =>
        WithPooledApiAsync("session", async api =>
        {
            var created = await (await api.ClientFor("alice").PostAsJsonAsync("/api/contacts", new { name = "Pooled", viber = "pooled-1" })).JsonAsync(HttpStatusCode.Created);
            var listed = await (await api.ClientFor("alice").GetAsync($"/api/contacts?minPosition={created.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);

            listed.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Equal("Pooled");
            await using var store = EventStoreDataSource.Create(api.Pooler.ConnectionStringTo(api.Database));
            await using var show = store.CreateCommand("SHOW plan_cache_mode");
            (await show.ExecuteScalarAsync()).Should().Be("force_generic_plan", "the setting reaches the session, where PgBouncer refuses it in the start-up packet");
        });

    [Theory]
    [InlineData("transaction")]
    [InlineData("statement")]
    public Task A_node_behind_a_pooler_that_shares_sessions_refuses_to_start_saying_why_and_migrates_nothing(string poolMode) =>
        WithPooledApiAsync(poolMode, async api =>
        {
            var start = () => api.ClientFor("alice");

            start.Should().Throw<InvalidOperationException>().WithMessage("*pooler in transaction or statement mode*pool_mode = session*");
            (await MigrationsTableAsync(api.Database)).Should().Be(DBNull.Value, "the node refuses before it migrates");
        });

    [Fact]
    public async Task A_connection_string_with_multiplexing_is_refused_before_anything_is_migrated()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var multiplexed = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Multiplexing = true }.ConnectionString);

        await FluentActions.Awaiting(() => new SchemaMigrator(multiplexed, new EventStoreOptions(), NullLogger<SchemaMigrator>.Instance).MigrateAsync())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage("*Multiplexing*");
        (await MigrationsTableAsync(database)).Should().Be(DBNull.Value);
    }

    private static async Task<object?> MigrationsTableAsync(TestDatabase database)
    {
        await using var direct = NpgsqlDataSource.Create(database.ConnectionString);
        await using var migrations = direct.CreateCommand("SELECT to_regclass('es.schema_migrations')::text");
        return await migrations.ExecuteScalarAsync();
    }

    private static async Task WithPooledApiAsync(string poolMode, Func<PooledApi, Task> test)
    {
        var api = new PooledApi();
        try
        {
            await api.InitializeAsync();
            api.Pooler = await PgBouncer.StartAsync(poolMode);
            await test(api);
        }
        finally
        {
            await api.DisposeHostAndDatabaseAsync();
        }
    }

    /// <summary>The API host over a database of its own, reached through a PgBouncer of its own.</summary>
    private sealed class PooledApi : EmptyStoreApi
    {
        public PgBouncer Pooler { get; set; } = null!;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ConnectionStrings:EventStore", Pooler.ConnectionStringTo(Database));
        }

        // The host first, then the pooler it went through, then the database behind both.
        public override async Task DisposeHostAndDatabaseAsync()
        {
            await DisposeAsync();
            if (Pooler is not null)
            {
                await Pooler.DisposeAsync();
            }

            if (Database is not null)
            {
                await Database.DisposeAsync();
            }
        }
    }
}
