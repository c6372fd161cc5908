using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventSourced.Infrastructure.Tickets.Kafka;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// The ingest dead letters, and with Kafka:Enabled the consumer of the seller's topics. With
    /// Kafka:Embedded (never in Production) the consumer reads librdkafka's in-process mock cluster,
    /// with the three topics made, so the whole path runs with no broker installed.
    /// </summary>
    public static IServiceCollection AddTicketRecordConsumer(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = AddOptionsAndRecords(services, configuration);
        if (!options.Enabled)
        {
            return services;
        }

        if (options.Embedded)
        {
            if (environment.IsProduction())
            {
                throw new InvalidOperationException("Kafka:Embedded starts an in-process mock cluster and is refused in Production; set Kafka:BootstrapServers instead.");
            }

            var cluster = KafkaMockCluster.Start();
            foreach (var topic in options.Topics.All)
            {
                cluster.CreateTopic(topic, partitions: 3);
            }

            services.AddSingleton(cluster);
            options.BootstrapServers = cluster.BootstrapServers;
            // Its port is new each run: `tickets produce` reads it here.
            File.WriteAllText(options.EmbeddedAddressFile, cluster.BootstrapServers);
        }

        options.ToConsumerConfig(); // fails at start, with what is missing, rather than at the first record
        services.AddSingleton<KafkaConsumerState>();
        services.AddHostedService<TicketRecordConsumer>();
        services.AddHealthChecks().AddCheck<TicketConsumerCheck>("ticket-consumer", tags: ["ready"]);
        return services;
    }

    /// <summary>Applying, storing and replaying the seller's records, without consuming: for the operator command line.</summary>
    public static IServiceCollection AddTicketRecords(this IServiceCollection services, IConfiguration configuration)
    {
        AddOptionsAndRecords(services, configuration);
        return services;
    }

    private static KafkaOptions AddOptionsAndRecords(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Kafka").Get<KafkaOptions>() ?? new KafkaOptions();
        services.AddSingleton(options);
        services.AddSingleton<IngestDeadLetters>();
        services.AddSingleton<TicketRecords>();
        services.AddSingleton<DeadLetterReplay>();
        return options;
    }
}
