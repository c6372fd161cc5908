using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>A bus message about one delivery; the saga finds the delivery in its message's stream.</summary>
public interface IDeliveryStep
{
    Guid MessageId { get; }

    Guid DeliveryId { get; }
}

/// <summary>The schedule says the delivery may be due; the saga decides whether it is.</summary>
public sealed record DeliveryDue(Guid MessageId, Guid DeliveryId) : IDeliveryStep;

/// <summary>Send this attempt: published by the saga only once the attempt is in the stream.</summary>
public sealed record SendDelivery(Guid MessageId, Guid DeliveryId, int Attempt, Channel Channel, string Address, string Text) : IDeliveryStep;

/// <summary>How an attempt ended, from the sender back to the saga.</summary>
public sealed record DeliverySendFinished(
    Guid MessageId, Guid DeliveryId, int Attempt, bool Sent, string? ProviderMessageId, string? Error, bool Permanent, TimeSpan? RetryAfter) : IDeliveryStep
{
    public static DeliverySendFinished Of(SendDelivery send, SendOutcome outcome) => outcome switch
    {
        SendOutcome.Sent s => new(send.MessageId, send.DeliveryId, send.Attempt, true, s.ProviderMessageId, null, false, null),
        SendOutcome.Transient t => new(send.MessageId, send.DeliveryId, send.Attempt, false, null, t.Error, false, t.RetryAfter),
        SendOutcome.Permanent p => new(send.MessageId, send.DeliveryId, send.Attempt, false, null, p.Error, true, null),
        _ => throw new InvalidOperationException($"Unknown outcome {outcome}."),
    };

    public SendOutcome Outcome => (Sent, Permanent) switch
    {
        (true, _) => new SendOutcome.Sent(ProviderMessageId),
        (false, true) => new SendOutcome.Permanent(Error ?? "failed"),
        (false, false) => new SendOutcome.Transient(Error ?? "failed", RetryAfter),
    };
}
