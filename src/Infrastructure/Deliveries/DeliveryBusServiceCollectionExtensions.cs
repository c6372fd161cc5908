using EventSourced.Application.Commands;
using EventSourced.Application.Deliveries;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.Infrastructure.Deliveries;

public static class DeliveryBusServiceCollectionExtensions
{
    /// <summary>
    /// The delivery saga and sender on MassTransit: in memory by default, RabbitMQ when
    /// Deliveries:Transport is RabbitMq (ConnectionStrings:RabbitMq, an amqp:// URI with
    /// credentials and virtual host).
    /// </summary>
    public static IServiceCollection AddDeliveryBus(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IDeliveryDispatcher, BusDeliveryDispatcher>();
        services.AddSingleton<DatabaseWaits>();
        services.AddSingleton<DeliverySends>();
        services.AddSingleton<SealedSends>();
        services.AddSingleton<UnsettledSteps>();
        services.AddHostedService<DeliverySendsExpiry>();
        var transport = configuration["Deliveries:Transport"] ?? "InMemory";
        var broker = new Uri(configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@localhost:5672/");
        if (transport == "RabbitMq")
        {
            services.AddHealthChecks().AddCheck("rabbitmq-broker", new RabbitMqBrokerCheck(broker), tags: ["ready"]);
        }

        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            bus.AddConsumer<DeliverySender, DeliverySenderDefinition>();
            bus.AddSagaStateMachine<DeliveryStateMachine, DeliverySaga, DeliverySagaDefinition>()
                .Repository(r => r.RegisterSagaRepository<DeliverySaga, CommandHandler, SagaConsumeContextFactory<CommandHandler, DeliverySaga>, DeliverySagaRepository>());
            switch (transport)
            {
                case "InMemory":
                    bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
                    break;
                case "RabbitMq":
                    bus.UsingRabbitMq((context, cfg) =>
                    {
                        cfg.Host(broker);
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    throw new InvalidOperationException($"Deliveries:Transport must be InMemory or RabbitMq, not '{transport}'.");
            }
        });
        return services;
    }
}
