using EventSourced.Application.Deliveries;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>Publishes due deliveries to the delivery saga, those of one message together (up to <see cref="MaxPerStep"/> a step).</summary>
public sealed class BusDeliveryDispatcher(IBus bus) : IDeliveryDispatcher
{
    /// <summary>
    /// A broadcast to thousands is taken in steps of this many deliveries: one append each, and at
    /// most this many sends at once per step (so at most Deliveries:Concurrency times this many on a node).
    /// </summary>
    public const int MaxPerStep = 25;

    public Task DispatchAsync(IReadOnlyCollection<DueDelivery> due, CancellationToken ct)
    {
        var steps = due.GroupBy(d => d.MessageId)
            .SelectMany(message => message.Select(d => d.DeliveryId).Chunk(MaxPerStep).Select(ids => new DeliveriesDue(message.Key, ids)))
            .ToList();
        return BoundedPublish.WithinTimeoutAsync(bounded => bus.PublishBatch(steps, bounded), ct);
    }
}
