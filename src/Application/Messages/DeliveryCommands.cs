using System.Collections.Concurrent;
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
    // Messages are streams of their own, so their appends need no order among them. Eight at once
    // is what the store's group commit joins into one commit (ADR 0020); one at a time, a large
    // failed queue cost a round trip and a commit a message (100,000 took over a minute, ADR 0013).
    private const int MessagesAtOnce = 8;

    /// <summary>
    /// Commands to deliveries of many messages (a failed queue's, a forgotten contact's): one append
    /// per message, each command decided on the state the message's earlier ones left; several
    /// messages at once.
    /// </summary>
    /// <returns>The highest position appended at, or null when none appended anything.</returns>
    public static async Task<long?> HandleByMessageAsync(this CommandHandler handler, IEnumerable<IDeliveryCommand> commands, CommandContext context, CancellationToken ct)
    {
        var positions = new ConcurrentBag<long>();
        await Parallel.ForEachAsync(
            commands.GroupBy(c => c.MessageId),
            new ParallelOptions { MaxDegreeOfParallelism = MessagesAtOnce, CancellationToken = ct },
            async (message, token) =>
            {
                var result = await handler.HandleAllAsync(Message.Decider, Message.StreamId(message.Key), [.. message.Cast<IMessageCommand>()], context, ct: token);
                if (result.Position is { } position)
                {
                    positions.Add(position);
                }
            });

        return positions.IsEmpty ? null : positions.Max();
    }
}
