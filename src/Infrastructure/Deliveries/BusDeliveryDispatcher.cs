using EventSourced.Application.Deliveries;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>Publishes due deliveries to the delivery saga.</summary>
public sealed class BusDeliveryDispatcher(IBus bus) : IDeliveryDispatcher
{
    public Task DispatchAsync(IReadOnlyCollection<DueDelivery> due, CancellationToken ct) =>
        bus.PublishBatch(due.Select(d => new DeliveryDue(d.MessageId, d.DeliveryId)), ct);
}
