using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

public static class EventStoreDataSource
{
    private const string GenericPlans = "SET plan_cache_mode = force_generic_plan";

    /// <summary>
    /// The data source of the store, the key store and the projections' writers. Their statements
    /// are fixed shapes looked up by key or position, so each is planned once per connection
    /// (generic plans, ADR 0029): left to choose, PostgreSQL planned most reads and read-model
    /// writes anew at every execution (a LIMIT parameter makes the generic plan look costly),
    /// which was a quarter of its time in the Kafka benchmark. A connection string that sets
    /// plan_cache_mode in its Options keeps its own. Set on each new connection rather than in the
    /// start-up packet's options, which PgBouncer refuses ("unsupported startup parameter"):
    /// through it in session mode a SET holds for the client's whole session (ADR 0043).
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString) => Build(connectionString, genericPlans: true);

    /// <summary>
    /// The data source of read-model queries: plans chosen for each execution's values, because
    /// their optional filters (<c>$1 IS NULL OR column = $1</c>) use an index only once the value is known.
    /// </summary>
    public static NpgsqlDataSource CreateForQueries(string connectionString) => Build(connectionString, genericPlans: false);

    /// <summary>
    /// Auto-preparation (unless the connection string sets Max Auto Prepare), because parsing and
    /// planning a statement costs about as much as running it; and no session reset when a
    /// connection goes back to the pool, because the reset is seven statements on the connection's
    /// next use, more work than a stream read. But for the plan cache mode, nothing leaves session
    /// state behind: settings are SET LOCAL, and the holders of session advisory locks release them
    /// before returning their connection.
    /// </summary>
    private static NpgsqlDataSource Build(string connectionString, bool genericPlans)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        settings.NoResetOnClose = true;
        if (genericPlans && settings.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            // Npgsql takes both forms: the first for connections opened synchronously.
            builder.UsePhysicalConnectionInitializer(
                connection => new NpgsqlCommand(GenericPlans, connection).ExecuteNonQuery(),
                connection => new NpgsqlCommand(GenericPlans, connection).ExecuteNonQueryAsync());
        }

        return builder.Build();
    }
}
