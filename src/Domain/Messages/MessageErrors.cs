using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Messages;

public sealed class InvalidMessageException(string reason) : DomainException(reason)
{
    public override string Code => "invalid_message";
}

/// <summary>Recipients that are not (or no longer) in the owner's contact book, or forgotten; nothing is scheduled.</summary>
public sealed class UnknownRecipientsException(IReadOnlyList<string> recipients)
    : DomainException($"Unknown, removed or forgotten contacts: {string.Join(", ", recipients)}.")
{
    public IReadOnlyList<string> Recipients { get; } = recipients;

    public override string Code => "unknown_recipients";

    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["recipients"] = Recipients };
}

public sealed class MessageNotFoundException(Guid messageId) : DomainException($"Message {messageId} does not exist.")
{
    public override string Code => "message_not_found";

    public override DomainErrorKind Kind => DomainErrorKind.NotFound;
}

public sealed class MessageAlreadyExistsException(Guid messageId) : DomainException($"Message {messageId} already exists with other content.")
{
    public override string Code => "message_already_exists";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

/// <summary>Redeliver and discard are for failed deliveries only.</summary>
public sealed class DeliveryNotFailedException(Guid deliveryId, DeliveryStatus status)
    : DomainException($"Delivery {deliveryId} is {status.ToString().ToLowerInvariant()}, not failed.")
{
    public override string Code => "delivery_not_failed";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

public sealed class DeliveryNotFoundException(Guid deliveryId) : DomainException($"Delivery {deliveryId} does not exist.")
{
    public override string Code => "delivery_not_found";

    public override DomainErrorKind Kind => DomainErrorKind.NotFound;
}

/// <summary>The contacts and groups named come to more recipients than one message takes.</summary>
public sealed class TooManyRecipientsException(int recipients)
    : DomainException($"That is {recipients:N0} recipients; a message takes {Messages.Message.MaxRecipients:N0} at most. Send it in parts.")
{
    public override string Code => "too_many_recipients";
}

/// <summary>A message is edited only while it waits for its time: once due, what went out went out as it was.</summary>
public sealed class MessageNotEditableException(Guid messageId, string why)
    : DomainException($"Message {messageId} can no longer be changed: {why}. Cancel it and send a new one.")
{
    public override string Code => "message_not_editable";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}
