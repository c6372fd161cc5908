using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventSourced.Infrastructure;

public static class EventStoreServiceCollectionExtensions
{
    public const string ConnectionStringName = "EventStore";

    /// <summary>
    /// The PostgreSQL event store, its schema migration at start-up and its notifications.
    /// The connection string is ConnectionStrings:EventStore (env ConnectionStrings__EventStore).
    /// </summary>
    public static IServiceCollection AddPostgresEventStore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"Set ConnectionStrings:{ConnectionStringName} (or the environment variable ConnectionStrings__{ConnectionStringName}); scripts/postgres-up.sh prints one.");
        var options = new EventStoreOptions();
        configuration.GetSection("EventStore").Bind(options);

        services.AddSingleton(options);
        services.AddSingleton(_ => EventStoreDataSource.Create(connectionString));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<AppendNotifications>();
        services.AddSingleton<PostgresEventStore>();
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<PostgresEventStore>());
        services.AddSingleton(EventCatalog.Create());
        services.AddSingleton<CommandHandler>();
        // Registered first so the schema exists before anything else starts.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SchemaMigrationService>());
        services.AddHostedService(sp => sp.GetRequiredService<AppendNotifications>());
        return services;
    }

    private sealed class SchemaMigrationService(SchemaMigrator migrator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
