using EventSourced.Infrastructure;
using EventSourced.Infrastructure.EventStoreDb;
using EventSourced.Infrastructure.Privacy;
using EventSourced.Projections;

namespace EventSourced.Api;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// What every host of the service needs, in one place so that the web host, the operator
    /// command line and the benchmarks compose it alike: the event store on the configured
    /// backend, personal data under subjects' keys, the adapters, the use cases and the read
    /// models' queries and runner.
    /// </summary>
    public static IServiceCollection AddCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPostgresEventStore();
        services.AddEventStoreBackend(configuration);
        // After the backend: it wraps the event store registered so far.
        services.AddPersonalDataProtection();
        services.AddAdapters();
        services.AddUseCases();
        services.AddProjections();
        return services;
    }
}
