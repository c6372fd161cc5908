using EventSourced.Application;
using EventSourced.Application.Commands;
using EventSourced.Application.Conversations;
using EventSourced.Application.Deploys;
using EventSourced.Application.EventStore;
using EventSourced.Application.Idempotency;
using EventSourced.Application.Tickets;
using EventSourced.Infrastructure.Conversations;
using EventSourced.Infrastructure.Deploys;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Idempotency;
using EventSourced.Infrastructure.Snapshots;
using EventSourced.Infrastructure.Tickets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventSourced.Infrastructure;

public static class InfrastructureServiceCollectionExtensions
{
    public const string ConnectionStringName = "EventStore";

    /// <summary>
    /// The PostgreSQL event store, its schema migration at start-up and its notifications, and the
    /// tables beside it that either backend uses (idempotency keys, stream snapshots).
    /// The connection string is ConnectionStrings:EventStore (env ConnectionStrings__EventStore).
    /// </summary>
    public static IServiceCollection AddPostgresEventStore(this IServiceCollection services)
    {
        // Configuration is read when the services are first resolved, so hosts and tests can
        // still change it after registration.
        services.AddSingleton(sp =>
        {
            var options = new EventStoreOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("EventStore").Bind(options);
            return options;
        });
        services.AddSingleton(sp => EventStoreDataSource.Create(ConnectionString(sp), sp.GetRequiredService<EventStoreOptions>().DeadConnectionTimeout));
        services.AddKeyedSingleton(
            ReadModelQueries.DataSourceKey,
            (sp, _) => EventStoreDataSource.CreateForQueries(ConnectionString(sp), sp.GetRequiredService<EventStoreOptions>().DeadConnectionTimeout));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<AppendNotifications>();
        services.AddSingleton<PostgresEventStore>();
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<PostgresEventStore>());
        services.AddSingleton<PostgresIdempotencyStore>();
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<PostgresIdempotencyStore>());
        services.AddOptions<IdempotencyOptions>().BindConfiguration("Idempotency")
            .Validate(o => o.KeepFor > TimeSpan.Zero && o.PurgeEvery > TimeSpan.Zero, "Idempotency:KeepFor and Idempotency:PurgeEvery must be positive.")
            .ValidateOnStart();
        services.AddSingleton<IdempotencyKeysExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencyKeysExpiry>());
        services.AddSingleton<IStateSnapshotStore, PostgresStateSnapshotStore>();
        // Registered first so the schema exists before anything else starts.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SchemaMigrationService>());
        services.AddHostedService(sp => sp.GetRequiredService<AppendNotifications>());
        return services;
    }

    private static string ConnectionString(IServiceProvider services) =>
        services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName)
        ?? throw new InvalidOperationException($"Set ConnectionStrings:{ConnectionStringName} (or the environment variable ConnectionStrings__{ConnectionStringName}); scripts/postgres-up.sh prints one.");

    /// <summary>The adapters behind the application's other ports: chat moderation and ticket record decoding.</summary>
    public static IServiceCollection AddAdapters(this IServiceCollection services)
    {
        services.AddOptions<ModerationOptions>().BindConfiguration("Chat:Moderation");
        services.AddSingleton<IChatModeration, KeywordModeration>();
        services.AddSingleton<ITicketMessageDecoder, TicketMessageDecoder>();
        services.AddSingleton<IDeployTemplates, HandlebarsDeployTemplates>();
        return services;
    }

    private sealed class SchemaMigrationService(SchemaMigrator migrator, EventStoreOptions options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateOnceReachableAsync(options.StartupDatabaseWait, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
