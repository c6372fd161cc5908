using EventSourced.Infrastructure.Tickets.Kafka;

namespace EventSourced.Api.Operator;

/// <summary>The host's services without starting the host: no runner, no migration, nothing listening.</summary>
internal static class OperatorServices
{
    public static ServiceProvider Create(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(settings)
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(TimeProvider.System)
            .AddLogging();
        services.AddCore(configuration);
        services.AddTicketRecords(configuration);
        return services.BuildServiceProvider();
    }
}
