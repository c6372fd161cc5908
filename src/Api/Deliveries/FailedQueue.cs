using EventSourced.Application.Commands;
using EventSourced.Application.Messages;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Messages;

namespace EventSourced.Api.Deliveries;

/// <summary>
/// Redeliver or discard failed deliveries: an owner's (for the owner, or an operator), or every
/// owner's that a filter keeps (for an operator, after a messenger's outage). Shared by the REST
/// endpoints and the operator command line.
/// </summary>
public sealed class FailedQueue(MessageQueries queries, CommandHandler handler, TimeProvider clock)
{
    /// <param name="deliveryIds">The deliveries to act on, among those the filter keeps; null means all of those.</param>
    public Task<FailedDeliveriesResponse> RedeliverAsync(FailedDeliveryFilter filter, IReadOnlyCollection<Guid>? deliveryIds, CommandContext context, CancellationToken ct) =>
        ActAsync(filter, deliveryIds, context, f => new RedeliverDelivery(f.MessageId, f.Sender, f.DeliveryId, context.Actor, clock.GetUtcNow()), ct);

    public Task<FailedDeliveriesResponse> DiscardAsync(FailedDeliveryFilter filter, IReadOnlyCollection<Guid>? deliveryIds, CommandContext context, CancellationToken ct) =>
        ActAsync(filter, deliveryIds, context, f => new DiscardDelivery(f.MessageId, f.Sender, f.DeliveryId, context.Actor, clock.GetUtcNow()), ct);

    private async Task<FailedDeliveriesResponse> ActAsync(
        FailedDeliveryFilter filter, IReadOnlyCollection<Guid>? deliveryIds, CommandContext context, Func<FailedDeliveryRow, IDeliveryCommand> command, CancellationToken ct)
    {
        var failed = await queries.FailedAsync(filter, int.MaxValue, 0, after: null, ct);
        var chosen = deliveryIds is null ? failed : failed.Where(f => deliveryIds.Contains(f.DeliveryId)).ToList();
        var position = await handler.HandleByMessageAsync(chosen.Select(command), context, ct);

        var done = chosen.Select(c => c.DeliveryId).ToList();
        return new FailedDeliveriesResponse(done, (deliveryIds ?? []).Except(done).ToList(), position);
    }
}

/// <summary>Which failed deliveries: the ones named, or all of the caller's.</summary>
public sealed record FailedDeliveriesRequest(Guid[]? DeliveryIds, bool? All);

/// <param name="Done">Deliveries acted on.</param>
/// <param name="NotFailed">Named deliveries that are not in the owner's failed queue (unknown, someone else's, or not failed); nothing was done to them.</param>
public sealed record FailedDeliveriesResponse(IReadOnlyList<Guid> Done, IReadOnlyList<Guid> NotFailed, long? Position);
