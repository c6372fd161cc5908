using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

public static class EventStoreDataSource
{
    /// <summary>
    /// A data source with the settings the store relies on: auto-preparation (unless the
    /// connection string sets Max Auto Prepare), because planning the append statement costs
    /// about as much as running it; and no session reset when a connection goes back to the pool,
    /// because the reset is seven statements on the connection's next use, more work than a
    /// stream read. Nothing here leaves session state behind: settings are SET LOCAL, and the
    /// holders of session advisory locks release them before returning their connection.
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        settings.NoResetOnClose = true;
        return builder.Build();
    }
}
