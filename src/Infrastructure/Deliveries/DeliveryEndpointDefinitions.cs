using EventSourced.Application.Deliveries;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The saga's endpoint: a step that lost the race for its stream (or met a database blip) is
/// retried and decides again; and the steps of one message are taken one at a time on this node
/// (the partitioner), as they all append to that message's stream. There is no outbox: the
/// repository publishes a step's sends itself, after its append, the last thing the step does.
/// </summary>
public sealed class DeliverySagaDefinition : SagaDefinition<DeliverySaga>
{
    private readonly DeliveryOptions _options;

    public DeliverySagaDefinition(DeliveryOptions options)
    {
        _options = options;
        // Steps waiting on a busy partition hold their slot, so there are more slots than
        // partitions; but not many more: on the in-memory transport each slot is a reader that
        // every arriving message wakes (at 16x, contention on that took a tenth of the CPU).
        Endpoint(e => e.ConcurrentMessageLimit = options.Concurrency * 2);
    }

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<DeliverySaga> sagaConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(10, 50, 100, 250, 500, 1000, 2000));
        var partition = endpointConfigurator.CreatePartitioner(_options.Concurrency);
        sagaConfigurator.Message<DeliveriesDue>(m => m.UsePartitioner(partition, c => c.Message.MessageId));
        sagaConfigurator.Message<DeliverySendsFinished>(m => m.UsePartitioner(partition, c => c.Message.MessageId));
    }
}

/// <summary>
/// Up to the configured concurrency of steps' sends run side by side (each step's attempts at
/// once, at most <see cref="BusDeliveryDispatcher.MaxPerStep"/>); a failed send is not retried
/// here but by the saga.
/// </summary>
public sealed class DeliverySenderDefinition : ConsumerDefinition<DeliverySender>
{
    public DeliverySenderDefinition(DeliveryOptions options) => Endpoint(e => e.ConcurrentMessageLimit = options.Concurrency);
}
