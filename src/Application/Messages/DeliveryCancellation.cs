using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Messages;

/// <summary>A delivery, by the message it belongs to.</summary>
public sealed record DeliveryRef(Guid MessageId, string OwnerId, Guid DeliveryId);

/// <summary>
/// Cancels deliveries that have not gone out, one append per message. Cancelling a delivery that
/// is sending or has ended changes nothing, so doing it again (a retry, a second node) is harmless.
/// </summary>
public static class DeliveryCancellation
{
    /// <summary>How many deliveries were asked to be cancelled, and the position of the last append, if any.</summary>
    public static async Task<(int Cancelled, long? Position)> CancelAsync(
        CommandHandler handler, IEnumerable<DeliveryRef> deliveries, string reason, CommandContext context, DateTimeOffset at, CancellationToken ct)
    {
        var cancelled = 0;
        long? position = null;
        foreach (var message in deliveries.GroupBy(d => (d.MessageId, d.OwnerId)))
        {
            var commands = message.Select(d => (IMessageCommand)new CancelDelivery(d.MessageId, d.OwnerId, d.DeliveryId, reason, context.Actor, at)).ToList();
            var result = await handler.HandleAllAsync(Message.Decider, Message.StreamId(message.Key.MessageId), commands, context, ct: ct);
            position = result.Position ?? position;
            cancelled += commands.Count;
        }

        return (cancelled, position);
    }
}
