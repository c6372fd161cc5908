using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

public static class EventStoreDataSource
{
    private const string GenericPlans = "SET plan_cache_mode = force_generic_plan";

    /// <summary>The application name of a node's sessions unless its connection string gives one: "eventsourced" and its host's name.</summary>
    public static string DefaultApplicationName { get; } = $"eventsourced {Environment.MachineName}";

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
    public static NpgsqlDataSource Create(string connectionString, TimeSpan? deadConnectionTimeout = null) =>
        Build(connectionString, genericPlans: true, deadConnectionTimeout ?? EventStoreOptions.DefaultDeadConnectionTimeout);

    /// <summary>
    /// The data source of read-model queries: plans chosen for each execution's values, because
    /// their optional filters (<c>$1 IS NULL OR column = $1</c>) use an index only once the value is known.
    /// Where the connection string asks for the primary of several hosts, queries prefer it: they
    /// read at the primary while there is one, and at a standby while none is found, as during a
    /// failover (ADR 0046). Read models are read behind their writes anyway, and a read that names
    /// a position still waits for it at the primary.
    /// </summary>
    public static NpgsqlDataSource CreateForQueries(string connectionString, TimeSpan? deadConnectionTimeout = null)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        // Npgsql reads the setting in lower case, whatever the string's.
        if (settings.TargetSessionAttributes == "primary")
        {
            settings.TargetSessionAttributes = "prefer-primary";
        }

        return Build(settings.ConnectionString, genericPlans: false, deadConnectionTimeout ?? EventStoreOptions.DefaultDeadConnectionTimeout);
    }

    /// <summary>
    /// Auto-preparation (unless the connection string sets Max Auto Prepare), because parsing and
    /// planning a statement costs about as much as running it; and no session reset when a
    /// connection goes back to the pool, because the reset is seven statements on the connection's
    /// next use, more work than a stream read. Nothing leaves session state behind but the settings
    /// made on each new connection (the plan cache mode, and when the server should end a session
    /// of this node's gone silent): other settings are SET LOCAL, and the holders of session
    /// advisory locks release them before returning their connection. Both ends of each connection
    /// probe the other (<see cref="DeadConnectionDetection"/>).
    /// </summary>
    private static NpgsqlDataSource Build(string connectionString, bool genericPlans, TimeSpan deadConnectionTimeout)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        settings.NoResetOnClose = true;
        // Names the node's sessions in pg_stat_activity, where an operator looks for who holds a
        // lock or a long transaction (and a node waiting for another's migration says its name).
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = DefaultApplicationName;
        }

        DeadConnectionDetection.ApplyToClient(settings, deadConnectionTimeout);
        var plans = genericPlans && settings.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true ? GenericPlans : null;
        // Per server version, which a connection knows once open: a setting newer than the server fails every connection.
        string SessionSettings(NpgsqlConnection connection) =>
            string.Join("; ", new[] { plans, DeadConnectionDetection.ServerSettings(deadConnectionTimeout, connection.PostgreSqlVersion) }.OfType<string>());
        if (plans is not null || KeepaliveProbes.For(deadConnectionTimeout) is not null)
        {
            // One round trip on each new physical connection. Npgsql takes both forms: the first
            // for connections opened synchronously.
            builder.UsePhysicalConnectionInitializer(
                connection => new NpgsqlCommand(SessionSettings(connection), connection).ExecuteNonQuery(),
                connection => new NpgsqlCommand(SessionSettings(connection), connection).ExecuteNonQueryAsync());
        }

        return builder.Build();
    }
}
