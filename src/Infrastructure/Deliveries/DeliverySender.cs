using EventSourced.Application;
using EventSourced.Application.Deliveries;
using EventSourced.Application.EventStore;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Sends a saga step's attempts through their messengers' gateways, side by side, and tells the
/// saga how they went in one bus message, so that it records them in one step. What a messenger
/// accepted is recorded at once (<see cref="DeliverySends"/>): an attempt handed out again is
/// answered from that record rather than sent a second time. An attempt whose key is gone (its
/// contact forgotten since the step) cannot be opened and is not sent: it is told as a transient
/// failure, and its retry is cancelled, its address reading as erased.
/// </summary>
public sealed partial class DeliverySender(IEnumerable<IMessengerGateway> gateways, DeliverySends sends, SealedSends sealedSends, ILogger<DeliverySender> logger) : IConsumer<SendSealedDeliveries>
{
    /// <summary>The error an attempt that could not be opened is told with.</summary>
    public const string WithheldError = "not sent: the contact's key is gone (forgotten or lost)";

    public async Task Consume(ConsumeContext<SendSealedDeliveries> context)
    {
        var step = context.Message;
        var opened = await sealedSends.OpenAsync(step.Attempts, context.CancellationToken);
        var accepted = await AcceptedBeforeAsync(context);
        var outcomes = await Task.WhenAll(step.Attempts.Select((attempt, n) => accepted.TryGetValue(attempt.DeliveryId, out var providerMessageId)
            ? Task.FromResult(AcceptedBefore(attempt, providerMessageId))
            : opened[n] is { } send ? SendAsync(send, send.Text ?? step.Text) : Task.FromResult(Withheld(attempt))));
        // Recorded while the saga is told, not before: the step's latency is the longer of the two.
        var recorded = RecordAsync([.. outcomes.Where(o => o.Sent && !accepted.ContainsKey(o.DeliveryId))]);
        try
        {
            // Not told in time (the broker is away), the sends are received again and answered
            // from the record of what was accepted.
            await BoundedPublish.WithinTimeoutAsync(bounded => context.Publish(new DeliverySendsFinished(step.MessageId, outcomes), bounded), context.CancellationToken);
        }
        finally
        {
            await recorded;
        }
    }

    /// <summary>
    /// The step's deliveries a messenger accepted already: this bus message came again (the
    /// broker's connection dropped before its outcome was told), or an outcome never reached the
    /// saga and the attempt was counted lost at its time-out (a last attempt counted lost is
    /// counted failed, and may be redelivered). None can be so for first attempts handed out for
    /// the first time, the usual case, which cost no look-up.
    /// </summary>
    private async Task<IReadOnlyDictionary<Guid, string?>> AcceptedBeforeAsync(ConsumeContext<SendSealedDeliveries> context) =>
        context.ReceiveContext.Redelivered || context.Message.Attempts.Any(a => a.MayHaveGoneOut)
            ? await sends.AcceptedAsync([.. context.Message.Attempts.Select(a => a.DeliveryId)], context.CancellationToken)
            : DeliverySends.NoneAccepted;

    private DeliverySendFinished AcceptedBefore(DeliveryAttempt attempt, string? providerMessageId)
    {
        LogAcceptedBefore(attempt.DeliveryId, attempt.Attempt);
        return DeliverySendFinished.Of(attempt, new SendOutcome.Sent(providerMessageId));
    }

    private DeliverySendFinished Withheld(DeliveryAttempt attempt)
    {
        LogWithheld(attempt.DeliveryId, attempt.Attempt);
        return DeliverySendFinished.Of(attempt, new SendOutcome.Transient(WithheldError, TimeSpan.Zero));
    }

    private async Task<DeliverySendFinished> SendAsync(DeliveryAttempt send, string text)
    {
        var gateway = gateways.Single(g => g.Channel == send.Channel);
        // A send once begun is not cut off by a stopping host: its outcome is worth recording.
        using var activity = Telemetry.Source.StartActivity($"send {send.Channel}");
        var outcome = await gateway.SendAsync(new OutgoingMessage(send.DeliveryId, send.Channel, send.Address, text), CancellationToken.None);
        var result = outcome switch
        {
            SendOutcome.Sent => "sent",
            SendOutcome.Transient => "transient",
            _ => "permanent",
        };
        activity?.SetTag("eventsourced.delivery.outcome", result).SetTag("eventsourced.delivery.attempt", send.Attempt);
        Telemetry.DeliveryAttempts.Add(1, new KeyValuePair<string, object?>("channel", send.Channel.ToString()), new KeyValuePair<string, object?>("outcome", result));
        return DeliverySendFinished.Of(send, outcome);
    }

    // Recorded even when the host is stopping: the messages went out. With the database away, the
    // outcome still goes to the saga, which waits for the database to record it.
    private async Task RecordAsync(IReadOnlyList<DeliverySendFinished> sent)
    {
        if (sent.Count == 0)
        {
            return;
        }

        try
        {
            await sends.RecordAsync([.. sent.Select(o => (o.DeliveryId, o.ProviderMessageId))], CancellationToken.None);
        }
        catch (Exception e) when (StoreUnavailable.Is(e))
        {
            LogNotRecorded(sent.Count, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} (attempt {Attempt}) was not sent: its contact's key is gone (forgotten since the attempt began, or lost)")]
    private partial void LogWithheld(Guid deliveryId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {DeliveryId} (attempt {Attempt}) was accepted by its messenger before: answered from that record, not sent again")]
    private partial void LogAcceptedBefore(Guid deliveryId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} sends the messengers accepted could not be recorded beside the stream ({Reason}): handed out again, they would be sent again")]
    private partial void LogNotRecorded(int count, string reason);
}
