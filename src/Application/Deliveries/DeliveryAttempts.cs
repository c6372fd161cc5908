using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Deliveries;

/// <summary>
/// One step of a delivery's life, taken when the schedule says it may be due: the stream decides
/// whether it really is. Only the node whose DeliveryAttempted event was appended sends (the
/// stream's expected version is the lease), and the outcome is recorded in the same stream, so
/// a crash at any point leaves the delivery resumable from its events.
/// </summary>
public sealed class DeliveryAttempts(CommandHandler handler, IEnumerable<IMessengerGateway> gateways, DeliveryOptions options, TimeProvider clock)
{
    private const string Actor = "delivery";

    public async Task RunAsync(Guid messageId, Guid deliveryId, CancellationToken ct)
    {
        var stream = Message.StreamId(messageId);
        var (message, _) = await handler.LoadAsync(Message.Decider, stream, ct);
        if (!message.Progress.TryGetValue(deliveryId, out var progress) || !progress.IsPending)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var context = new CommandContext(Actor, messageId.ToString(), null);
        switch (progress.Status)
        {
            case DeliveryStatus.Scheduled when message.NotBefore > now:
            case DeliveryStatus.Retrying when progress.Since > now:
            case DeliveryStatus.Sending when progress.Since + options.AttemptTimeout > now:
                // Not due yet, or an attempt is in flight on some node.
                return;
            case DeliveryStatus.Sending:
                // The attempt's worker was lost before its outcome: try again at once, with the same
                // idempotency key, so a messenger that honours it does not deliver twice.
                await FailAsync(message, deliveryId, progress.Attempts, new SendOutcome.Transient("attempt outcome unknown (worker lost)", TimeSpan.Zero), context, ct);
                return;
        }

        var started = await handler.HandleAsync(Message.Decider, stream, new StartDeliveryAttempt(messageId, message.OwnerId, deliveryId, now), context, ct: ct);
        if (started.Position is null)
        {
            return;
        }

        var planned = message.Deliveries.Single(d => d.DeliveryId == deliveryId);
        var gateway = gateways.Single(g => g.Channel == planned.Channel);
        var outcome = await gateway.SendAsync(new OutgoingMessage(deliveryId, planned.Channel, planned.Address, message.Text), ct);
        var attempt = started.State.Progress[deliveryId].Attempts;
        if (outcome is SendOutcome.Sent sent)
        {
            await handler.HandleAsync(Message.Decider, stream, new RecordDeliverySuccess(messageId, message.OwnerId, deliveryId, sent.ProviderMessageId, clock.GetUtcNow()), context, ct: ct);
        }
        else
        {
            await FailAsync(message, deliveryId, attempt, outcome, context, ct);
        }
    }

    private async Task FailAsync(Message message, Guid deliveryId, int attempt, SendOutcome outcome, CommandContext context, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (error, permanent, retryAfter) = outcome switch
        {
            SendOutcome.Permanent p => (p.Error, true, (TimeSpan?)null),
            SendOutcome.Transient t => (t.Error, false, t.RetryAfter),
            _ => throw new InvalidOperationException($"Not a failure: {outcome}."),
        };
        DateTimeOffset? retryAt = permanent || attempt >= options.MaxAttempts
            ? null
            : now + RetryDelay.After(attempt, retryAfter, options, Random.Shared.NextDouble());
        await handler.HandleAsync(
            Message.Decider, Message.StreamId(message.Id), new RecordDeliveryFailure(message.Id, message.OwnerId, deliveryId, error, permanent, retryAt, now), context, ct: ct);
    }
}
