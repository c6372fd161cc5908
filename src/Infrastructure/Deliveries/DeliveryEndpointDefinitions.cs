using EventSourced.Application.Deliveries;
using EventSourced.Application.EventStore;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The saga's endpoint: a step that lost the race for its stream is retried at once and decides
/// again; one that failed because the database is away waits for it, up to the attempt time-out
/// (<see cref="DatabaseWaits"/>); and the steps of one message are taken one at a time on this
/// node (the partitioner), as they all append to that message's stream. There is no outbox: the
/// repository publishes a step's sends itself, after its append, the last thing the step does.
/// </summary>
public sealed class DeliverySagaDefinition : SagaDefinition<DeliverySaga>
{
    private readonly DeliveryOptions _options;
    private readonly DatabaseWaits _databaseWaits;

    public DeliverySagaDefinition(DeliveryOptions options, DatabaseWaits databaseWaits)
    {
        _options = options;
        _databaseWaits = databaseWaits;
        // Steps waiting on a busy partition hold their slot, so there are more slots than
        // partitions; but not many more: on the in-memory transport each slot is a reader that
        // every arriving message wakes (at 16x, contention on that took a tenth of the CPU).
        Endpoint(e => e.ConcurrentMessageLimit = options.Concurrency * 2);
    }

    /// <summary>
    /// A bus message given up is logged (MassTransit's fault line) and dropped, not moved to an
    /// error queue: the schedule hands a due delivery out again, and an attempt in flight is
    /// counted lost at its time-out, so it is a copy of what they recover. Kept, it would pile up
    /// unread; moved back by hand (the usual remedy for MassTransit's error queues), a send would
    /// go out a second time.
    /// </summary>
    internal static void DropWhenGivenUp(IReceiveEndpointConfigurator endpoint) => endpoint.DiscardFaultedMessages();

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<DeliverySaga> sagaConfigurator, IRegistrationContext context)
    {
        // The outer retry takes only a database away; the inner one everything else.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<Exception>(StoreUnavailable.Is);
            r.Intervals(DatabaseWaits.Intervals(_options.AttemptTimeout));
            r.ConnectRetryObserver(_databaseWaits);
        });
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<Exception>(StoreUnavailable.Is);
            r.Intervals(DatabaseWaits.Quick());
        });
        DropWhenGivenUp(endpointConfigurator);
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

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<DeliverySender> consumerConfigurator, IRegistrationContext context)
    {
        DeliverySagaDefinition.DropWhenGivenUp(endpointConfigurator);
        // Sends this version does not take (SendDeliveries of the version before, in a rolling
        // upgrade, with their addresses in clear) are dropped, not kept in a skipped queue: the
        // attempt time-out recovers them, as it does any send lost.
        endpointConfigurator.DiscardSkippedMessages();
    }
}
