using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

public static class EventStoreDataSource
{
    /// <summary>
    /// A data source with the settings the store relies on: auto-preparation (unless the
    /// connection string sets Max Auto Prepare), because planning the append statement costs
    /// about as much as running it.
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

        return builder.Build();
    }
}
