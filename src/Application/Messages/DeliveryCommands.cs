using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Messages;

/// <summary>A delivery, by the message it belongs to.</summary>
public sealed record DeliveryRef(Guid MessageId, string OwnerId, Guid DeliveryId)
{
    /// <summary>
    /// Drop it unless it has gone out. Cancelling a delivery that is sending or has ended changes
    /// nothing, so doing it again (a retry, a second node) is harmless.
    /// </summary>
    public CancelDelivery Cancel(string reason, string actor, DateTimeOffset at) => new(MessageId, OwnerId, DeliveryId, reason, actor, at);
}

public static class DeliveryCommands
{
    /// <summary>
    /// Commands to deliveries of many messages (a failed queue's, a forgotten contact's): one append
    /// per message, each command decided on the state the message's earlier ones left.
    /// </summary>
    /// <returns>The position of the last append, or null when none appended anything.</returns>
    public static async Task<long?> HandleByMessageAsync(this CommandHandler handler, IEnumerable<IDeliveryCommand> commands, CommandContext context, CancellationToken ct)
    {
        long? position = null;
        foreach (var message in commands.GroupBy(c => c.MessageId))
        {
            var result = await handler.HandleAllAsync(Message.Decider, Message.StreamId(message.Key), [.. message.Cast<IMessageCommand>()], context, ct: ct);
            position = result.Position ?? position;
        }

        return position;
    }
}
