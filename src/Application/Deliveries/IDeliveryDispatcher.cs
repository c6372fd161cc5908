namespace EventSourced.Application.Deliveries;

/// <summary>A delivery the schedule says is due at <paramref name="DueAt"/> (its not-before time, retry time or attempt time-out).</summary>
public sealed record DueDelivery(Guid MessageId, Guid DeliveryId, DateTimeOffset DueAt);

/// <summary>
/// Hands due deliveries to what takes their next step (the delivery saga, over the bus). Handing
/// one over twice is harmless: the step re-reads the delivery's stream and decides there. A
/// hand-over that cannot be made fails within a bounded time, and the next poll makes it again.
/// </summary>
public interface IDeliveryDispatcher
{
    Task DispatchAsync(IReadOnlyCollection<DueDelivery> due, CancellationToken ct);
}
