namespace EventSourced.Domain.Messages;

/// <summary>A command about one delivery of a message.</summary>
public interface IDeliveryCommand : IMessageCommand
{
    Guid DeliveryId { get; }
}

public sealed record StartDeliveryAttempt(Guid MessageId, string OwnerId, Guid DeliveryId, DateTimeOffset At) : IDeliveryCommand;

public sealed record RecordDeliverySuccess(Guid MessageId, string OwnerId, Guid DeliveryId, string? ProviderMessageId, DateTimeOffset At) : IDeliveryCommand;

/// <summary>The attempt in flight failed; a null <paramref name="RetryAt"/> means give up (permanent, or out of attempts).</summary>
public sealed record RecordDeliveryFailure(Guid MessageId, string OwnerId, Guid DeliveryId, string Error, bool Permanent, DateTimeOffset? RetryAt, DateTimeOffset At) : IDeliveryCommand;

public sealed record RedeliverDelivery(Guid MessageId, string OwnerId, Guid DeliveryId, string Actor, DateTimeOffset At) : IDeliveryCommand;

public sealed record DiscardDelivery(Guid MessageId, string OwnerId, Guid DeliveryId, string Actor, DateTimeOffset At) : IDeliveryCommand;

/// <summary>Drop a delivery that has not gone out: its recipient was removed or forgotten, can no longer be read, or no longer has this messenger.</summary>
public sealed record CancelDelivery(Guid MessageId, string OwnerId, Guid DeliveryId, string Reason, string Actor, DateTimeOffset At) : IDeliveryCommand;

/// <summary>Send a delivery that has not gone out to its contact's new id on its messenger.</summary>
public sealed record ReaddressDelivery(Guid MessageId, string OwnerId, Guid DeliveryId, string Address, string Actor, DateTimeOffset At) : IDeliveryCommand;

/// <summary>Send a message not yet due to its contact over a messenger the contact gained since: a no-op once the message has a delivery there, or is due.</summary>
public sealed record PlanDelivery(Guid MessageId, string OwnerId, Guid ContactId, string ContactName, Channel Channel, string Address, string Actor, DateTimeOffset At) : IMessageCommand;
