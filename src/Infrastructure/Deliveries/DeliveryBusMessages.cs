using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// A bus message about deliveries of one message. The saga finds them in that message's stream,
/// and takes them in one step: one read (or none, if the node remembers the stream) and one append
/// for all of them, since they share the stream.
/// </summary>
public interface IDeliveryStep
{
    Guid MessageId { get; }

    /// <summary>The deliveries this step is about: those the state machine's correlation selects.</summary>
    IEnumerable<Guid> DeliveryIds { get; }
}

/// <summary>The schedule says these deliveries of one message may be due; the saga decides, delivery by delivery, whether they are.</summary>
public sealed record DeliveriesDue(Guid MessageId, IReadOnlyList<Guid> DeliveryIds) : IDeliveryStep
{
    IEnumerable<Guid> IDeliveryStep.DeliveryIds => DeliveryIds;
}

/// <summary>
/// Send these attempts at deliveries of one message: published once a saga step has saved them in
/// the stream, each attempt to a contact sealed (<see cref="SealedSends"/>). A new name for what
/// was SendDeliveries, with its addresses in clear: in a rolling upgrade neither version takes the
/// other's sends (the sender's endpoint drops them), and the attempt time-out recovers them.
/// </summary>
public sealed record SendSealedDeliveries(Guid MessageId, string Text, IReadOnlyList<DeliveryAttempt> Attempts);

/// <summary>
/// One attempt to send: its number is part of the answer, so that the saga can tell a late answer
/// from a current one. <paramref name="Redelivered"/>: the delivery came back from the failed queue,
/// so an attempt before it may have gone out although this one is counted the first.
/// <paramref name="Text"/>: its own text, where the message names each recipient ({name}); null,
/// the message's. <paramref name="Sealed"/>: on the bus, the address and own text sealed under the
/// contact's key (<paramref name="Address"/> then empty, <paramref name="Text"/> null).
/// </summary>
public sealed record DeliveryAttempt(Guid DeliveryId, int Attempt, Channel Channel, string Address, bool Redelivered = false, string? Text = null, string? Sealed = null)
{
    /// <summary>Whether a send of this delivery may have been accepted before this attempt.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool MayHaveGoneOut => Attempt > 1 || Redelivered;
}

/// <summary>How attempts at deliveries of one message ended, from the sender back to the saga.</summary>
public sealed record DeliverySendsFinished(Guid MessageId, IReadOnlyList<DeliverySendFinished> Outcomes) : IDeliveryStep
{
    IEnumerable<Guid> IDeliveryStep.DeliveryIds => Outcomes.Select(o => o.DeliveryId);

    /// <summary>The outcome of that attempt at that delivery, if this message carries it.</summary>
    public DeliverySendFinished? Of(Guid deliveryId, int attempt) =>
        Outcomes.FirstOrDefault(o => o.DeliveryId == deliveryId && o.Attempt == attempt);
}

/// <summary>How one attempt ended.</summary>
public sealed record DeliverySendFinished(Guid DeliveryId, int Attempt, bool Sent, string? ProviderMessageId, string? Error, bool Permanent, TimeSpan? RetryAfter)
{
    public static DeliverySendFinished Of(DeliveryAttempt send, SendOutcome outcome) => outcome switch
    {
        SendOutcome.Sent s => new(send.DeliveryId, send.Attempt, true, s.ProviderMessageId, null, false, null),
        SendOutcome.Transient t => new(send.DeliveryId, send.Attempt, false, null, t.Error, false, t.RetryAfter),
        SendOutcome.Permanent p => new(send.DeliveryId, send.Attempt, false, null, p.Error, true, null),
        _ => throw new InvalidOperationException($"Unknown outcome {outcome}."),
    };

    public SendOutcome Outcome => (Sent, Permanent) switch
    {
        (true, _) => new SendOutcome.Sent(ProviderMessageId),
        (false, true) => new SendOutcome.Permanent(Error ?? "failed"),
        (false, false) => new SendOutcome.Transient(Error ?? "failed", RetryAfter),
    };
}
