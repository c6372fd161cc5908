namespace EventSourced.Domain.Messages;

public enum DeliveryStatus
{
    Scheduled,
    Sending,
    Retrying,
    Delivered,
    Failed,
    Discarded,
    Cancelled,
}

/// <summary>
/// Where one delivery stands: its status, the attempts since it was last (re)scheduled, the last
/// error, since when it is in its status (an attempt's start, or when a retry is due), and whether
/// it was taken back from the failed queue: then an attempt before those counted may have gone out.
/// </summary>
public sealed record DeliveryProgress(DeliveryStatus Status, int Attempts, string? LastError, DateTimeOffset? Since = null, bool Redelivered = false)
{
    public static readonly DeliveryProgress New = new(DeliveryStatus.Scheduled, 0, null);

    /// <summary>Whether the delivery may still go out without anyone asking again.</summary>
    public bool IsPending => Status is DeliveryStatus.Scheduled or DeliveryStatus.Sending or DeliveryStatus.Retrying;

    /// <summary>Whether it has not gone out and is not in flight: it may still be cancelled or sent elsewhere.</summary>
    public bool IsWaiting => Status is DeliveryStatus.Scheduled or DeliveryStatus.Retrying or DeliveryStatus.Failed;

    /// <summary>
    /// The events a delivery command yields in this state. Commands that arrive again (a
    /// redelivered bus message, a retried request) yield nothing rather than fail.
    /// </summary>
    public IReadOnlyList<IMessageEvent> Decide(IDeliveryCommand command) => (command, Status) switch
    {
        (StartDeliveryAttempt c, DeliveryStatus.Scheduled or DeliveryStatus.Retrying) => [new DeliveryAttempted(c.MessageId, c.DeliveryId, Attempts + 1, c.At)],
        (StartDeliveryAttempt, _) => [],
        (RecordDeliverySuccess c, DeliveryStatus.Sending) => [new DeliverySucceeded(c.MessageId, c.DeliveryId, Attempts, c.ProviderMessageId, c.At)],
        (RecordDeliverySuccess, _) => [],
        (RecordDeliveryFailure { RetryAt: { } retryAt, Permanent: false } c, DeliveryStatus.Sending) =>
            [new DeliveryAttemptFailed(c.MessageId, c.DeliveryId, Attempts, c.Error, retryAt, c.At)],
        (RecordDeliveryFailure c, DeliveryStatus.Sending) => [new DeliveryFailed(c.MessageId, c.DeliveryId, Attempts, c.Error, c.Permanent, c.At)],
        (RecordDeliveryFailure, _) => [],
        (RedeliverDelivery c, DeliveryStatus.Failed) => [new DeliveryRedeliveryRequested(c.MessageId, c.DeliveryId, c.Actor, c.At)],
        (RedeliverDelivery, DeliveryStatus.Scheduled or DeliveryStatus.Sending or DeliveryStatus.Retrying) => [],
        (DiscardDelivery c, DeliveryStatus.Failed) => [new DeliveryDiscarded(c.MessageId, c.DeliveryId, c.Actor, c.At)],
        (DiscardDelivery, DeliveryStatus.Discarded) => [],
        // What is sending ends as it ends; what has ended stays as it ended.
        (CancelDelivery c, _) when IsWaiting => [new DeliveryCancelled(c.MessageId, c.DeliveryId, c.Reason, c.Actor, c.At)],
        (CancelDelivery, _) => [],
        _ => throw new DeliveryNotFailedException(command.DeliveryId, Status),
    };

    public DeliveryProgress Evolve(IDeliveryEvent @event) => @event switch
    {
        DeliveryAttempted e => this with { Status = DeliveryStatus.Sending, Attempts = e.Attempt, Since = e.AttemptedAt },
        DeliverySucceeded => this with { Status = DeliveryStatus.Delivered, LastError = null },
        DeliveryAttemptFailed e => this with { Status = DeliveryStatus.Retrying, LastError = e.Error, Since = e.RetryAt },
        DeliveryFailed e => this with { Status = DeliveryStatus.Failed, LastError = e.Error },
        DeliveryRedeliveryRequested e => this with { Status = DeliveryStatus.Scheduled, Attempts = 0, Since = e.RequestedAt, Redelivered = true },
        DeliveryDiscarded => this with { Status = DeliveryStatus.Discarded },
        DeliveryCancelled => this with { Status = DeliveryStatus.Cancelled },
        _ => this,
    };
}
