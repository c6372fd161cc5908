using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Messages;

namespace EventSourced.Api.Deliveries;

/// <summary>Redeliver or discard an owner's failed deliveries: shared by the REST endpoints and the operator command line.</summary>
public sealed class FailedQueue(MessageQueries queries, CommandHandler handler, TimeProvider clock)
{
    /// <param name="deliveryIds">The deliveries to act on; null means all of the owner's failed ones.</param>
    public Task<FailedDeliveriesResponse> RedeliverAsync(string owner, IReadOnlyCollection<Guid>? deliveryIds, CommandContext context, CancellationToken ct) =>
        ActAsync(owner, deliveryIds, context, (m, d) => new RedeliverDelivery(m, owner, d, context.Actor, clock.GetUtcNow()), ct);

    public Task<FailedDeliveriesResponse> DiscardAsync(string owner, IReadOnlyCollection<Guid>? deliveryIds, CommandContext context, CancellationToken ct) =>
        ActAsync(owner, deliveryIds, context, (m, d) => new DiscardDelivery(m, owner, d, context.Actor, clock.GetUtcNow()), ct);

    private async Task<FailedDeliveriesResponse> ActAsync(
        string owner, IReadOnlyCollection<Guid>? deliveryIds, CommandContext context, Func<Guid, Guid, IDeliveryCommand> command, CancellationToken ct)
    {
        var failed = await queries.FailedAsync(owner, int.MaxValue, 0, ct);
        var chosen = deliveryIds is null ? failed : failed.Where(f => deliveryIds.Contains(f.DeliveryId)).ToList();
        long? position = null;
        foreach (var message in chosen.GroupBy(f => f.MessageId))
        {
            var commands = message.Select(f => (IMessageCommand)command(message.Key, f.DeliveryId)).ToList();
            var result = await handler.HandleAllAsync(Message.Decider, Message.StreamId(message.Key), commands, context, ct: ct);
            position = result.Position ?? position;
        }

        var done = chosen.Select(c => c.DeliveryId).ToList();
        return new FailedDeliveriesResponse(done, (deliveryIds ?? []).Except(done).ToList(), position);
    }
}

/// <summary>Which failed deliveries: the ones named, or all of the caller's.</summary>
public sealed record FailedDeliveriesRequest(Guid[]? DeliveryIds, bool? All);

/// <param name="Done">Deliveries acted on.</param>
/// <param name="NotFailed">Named deliveries that are not in the owner's failed queue (unknown, someone else's, or not failed); nothing was done to them.</param>
public sealed record FailedDeliveriesResponse(IReadOnlyList<Guid> Done, IReadOnlyList<Guid> NotFailed, long? Position);
