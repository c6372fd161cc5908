using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Deliveries;

/// <summary>
/// The next step of a message's due deliveries, taken when the schedule says they may be due: the
/// stream decides whether they really are. Only the node whose DeliveryAttempted events were
/// appended sends (the stream's expected version is the lease), and the outcomes are recorded in
/// the same stream, so a crash at any point leaves every delivery resumable from its events. A
/// message's deliveries are attempted together: one append to start them, one for their outcomes.
/// </summary>
public sealed class DeliveryAttempts(CommandHandler handler, IEnumerable<IMessengerGateway> gateways, DeliveryOptions options, TimeProvider clock)
{
    private static readonly CommandContext System = new("delivery", "delivery", null);

    public async Task RunAsync(Guid messageId, IReadOnlyCollection<Guid> deliveryIds, CancellationToken ct)
    {
        var stream = Message.StreamId(messageId);
        var (message, _) = await handler.LoadAsync(Message.Decider, stream, ct);
        var now = clock.GetUtcNow();
        var context = System with { CorrelationId = messageId.ToString() };
        var lost = new List<IMessageCommand>();
        var due = new List<StartDeliveryAttempt>();
        foreach (var id in deliveryIds)
        {
            if (!message.Progress.TryGetValue(id, out var progress) || !progress.IsPending)
            {
                continue;
            }

            switch (progress.Status)
            {
                case DeliveryStatus.Scheduled when message.NotBefore > now:
                case DeliveryStatus.Retrying when progress.Since > now:
                case DeliveryStatus.Sending when progress.Since + options.AttemptTimeout > now:
                    // Not due yet, or an attempt is in flight on some node.
                    break;
                case DeliveryStatus.Sending:
                    // The attempt's worker was lost before its outcome: try again soon, with the same
                    // idempotency key, so a messenger that honours it does not deliver twice.
                    lost.Add(Failure(message, id, progress.Attempts, new SendOutcome.Transient("attempt outcome unknown (worker lost)", TimeSpan.Zero), now));
                    break;
                default:
                    due.Add(new StartDeliveryAttempt(messageId, message.OwnerId, id, now));
                    break;
            }
        }

        if (lost.Count > 0)
        {
            await handler.HandleAllAsync(Message.Decider, stream, lost, context, ct: ct);
        }

        if (due.Count == 0)
        {
            return;
        }

        var started = await handler.HandleAllAsync(Message.Decider, stream, due, context, ct: ct);
        if (started.Position is null)
        {
            return;
        }

        // Ours are the attempts started just now; any other was started by another node meanwhile.
        var asked = due.Select(c => c.DeliveryId).ToHashSet();
        var ours = message.Deliveries.Where(d => asked.Contains(d.DeliveryId)
            && started.State.Progress[d.DeliveryId] is { Status: DeliveryStatus.Sending } p && p.Since == now).ToList();
        var outcomes = await Task.WhenAll(ours.Select(d =>
            gateways.Single(g => g.Channel == d.Channel).SendAsync(new OutgoingMessage(d.DeliveryId, d.Channel, d.Address, message.Text), ct)));

        var recorded = clock.GetUtcNow();
        var results = ours.Zip(outcomes, (d, outcome) => outcome is SendOutcome.Sent sent
            ? (IMessageCommand)new RecordDeliverySuccess(messageId, message.OwnerId, d.DeliveryId, sent.ProviderMessageId, recorded)
            : Failure(message, d.DeliveryId, started.State.Progress[d.DeliveryId].Attempts, outcome, recorded)).ToList();
        await handler.HandleAllAsync(Message.Decider, stream, results, started, context, ct);
    }

    private RecordDeliveryFailure Failure(Message message, Guid deliveryId, int attempt, SendOutcome outcome, DateTimeOffset now)
    {
        var (error, permanent, retryAfter) = outcome switch
        {
            SendOutcome.Permanent p => (p.Error, true, (TimeSpan?)null),
            SendOutcome.Transient t => (t.Error, false, t.RetryAfter),
            _ => throw new InvalidOperationException($"Not a failure: {outcome}."),
        };
        DateTimeOffset? retryAt = permanent || attempt >= options.MaxAttempts
            ? null
            : now + RetryDelay.After(attempt, retryAfter, options, Random.Shared.NextDouble());
        return new RecordDeliveryFailure(message.Id, message.OwnerId, deliveryId, error, permanent, retryAt, now);
    }
}
