namespace EventSourced.Domain.Messages;

/// <summary>What happened to one delivery (a recipient on one messenger); every change is in the message's stream.</summary>
public interface IDeliveryEvent : IMessageEvent
{
    Guid DeliveryId { get; }
}

/// <summary>A send to the messenger began; <paramref name="Attempt"/> counts from 1 and restarts after a redelivery.</summary>
public sealed record DeliveryAttempted(Guid MessageId, Guid DeliveryId, int Attempt, DateTimeOffset AttemptedAt) : IDeliveryEvent;

/// <summary>The messenger accepted the message.</summary>
public sealed record DeliverySucceeded(Guid MessageId, Guid DeliveryId, int Attempt, string? ProviderMessageId, DateTimeOffset DeliveredAt) : IDeliveryEvent;

/// <summary>A transient failure (time-out, 5xx, 429): the delivery is tried again at <paramref name="RetryAt"/>.</summary>
public sealed record DeliveryAttemptFailed(Guid MessageId, Guid DeliveryId, int Attempt, string Error, DateTimeOffset RetryAt, DateTimeOffset FailedAt) : IDeliveryEvent;

/// <summary>The delivery gave up: a permanent failure, or the last attempt failed. It waits in the failed queue.</summary>
public sealed record DeliveryFailed(Guid MessageId, Guid DeliveryId, int Attempt, string Error, bool Permanent, DateTimeOffset FailedAt) : IDeliveryEvent;

/// <summary>Someone sent a failed delivery again: it is scheduled anew with its attempts reset.</summary>
public sealed record DeliveryRedeliveryRequested(Guid MessageId, Guid DeliveryId, string RequestedBy, DateTimeOffset RequestedAt) : IDeliveryEvent;

/// <summary>Someone dropped a failed delivery from the failed queue for good.</summary>
public sealed record DeliveryDiscarded(Guid MessageId, Guid DeliveryId, string DiscardedBy, DateTimeOffset DiscardedAt) : IDeliveryEvent;

/// <summary>A delivery that had not gone out will not: its recipient was removed, forgotten or cannot be read, or no longer has this messenger.</summary>
public sealed record DeliveryCancelled(Guid MessageId, Guid DeliveryId, string Reason, string CancelledBy, DateTimeOffset CancelledAt) : IDeliveryEvent;

/// <summary>
/// A delivery that had not gone out will go to <paramref name="Address"/>: its contact's id on the
/// delivery's messenger changed since the message was sent. Names the owner and contact, as the
/// address is theirs (personal data under the contact's key).
/// </summary>
public sealed record DeliveryReaddressed(Guid MessageId, Guid DeliveryId, string OwnerId, Guid ContactId, string Address, string ReaddressedBy, DateTimeOffset ReaddressedAt) : IDeliveryEvent;

/// <summary>
/// A message not yet due gained a delivery: its contact gained a messenger since the message was
/// sent, and the message goes over every messenger the contact has. Due, as the others, at
/// <paramref name="NotBefore"/>, the message's time. Its contact name and address are personal data
/// under the contact's key.
/// </summary>
public sealed record DeliveryPlanned(
    Guid MessageId, Guid DeliveryId, string OwnerId, Guid ContactId, string ContactName, Channel Channel, string Address, DateTimeOffset NotBefore, string PlannedBy, DateTimeOffset PlannedAt) : IDeliveryEvent;
