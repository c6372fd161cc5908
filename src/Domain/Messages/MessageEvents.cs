namespace EventSourced.Domain.Messages;

/// <summary>Marker for every event of a message stream.</summary>
public interface IMessageEvent
{
    Guid MessageId { get; }
}

/// <summary>Where a delivery goes: a contact's messenger, or one of the outlets deploys notify.</summary>
public enum Channel
{
    Telegram,
    WhatsApp,
    Viber,
    Log,
    Tracker,
    LoadTest,
}

/// <summary>One delivery the message fixed when it was scheduled: a contact on one messenger, at the address it had then.</summary>
public sealed record PlannedDelivery(Guid DeliveryId, Guid ContactId, string ContactName, Channel Channel, string Address);

/// <summary>A group of the owner's contacts a message was sent to, by its id and the name it had then.</summary>
public sealed record RecipientGroup(Guid GroupId, string Name);

/// <summary>
/// An owner scheduled a message to go out, not before <paramref name="NotBefore"/>, over every
/// messenger each recipient has; <paramref name="Groups"/> are those named (null when none was).
/// <paramref name="Personalized"/>: {name} in the text stands for each recipient's name, as in a
/// user's message scheduled since 2026-12-07; false, the text goes as it is, as a notification's
/// (and every message scheduled before: their texts were written with no such meaning).
/// </summary>
public sealed record MessageScheduled(
    Guid MessageId,
    string OwnerId,
    string Text,
    DateTimeOffset NotBefore,
    IReadOnlyList<PlannedDelivery> Deliveries,
    string ScheduledBy,
    DateTimeOffset ScheduledAt,
    IReadOnlyList<RecipientGroup>? Groups = null,
    bool Personalized = false) : IMessageEvent;

/// <summary>The owner changed the text or the time of a message before it was due; carries both as they are now.</summary>
public sealed record MessageEdited(
    Guid MessageId,
    string OwnerId,
    string Text,
    DateTimeOffset NotBefore,
    string EditedBy,
    DateTimeOffset EditedAt) : IMessageEvent;

/// <summary>
/// Groups named when recipients were added to a waiting message: their members are among the
/// deliveries planned in the same decision (<see cref="DeliveryPlanned"/>).
/// </summary>
public sealed record MessageGroupsAdded(Guid MessageId, string OwnerId, IReadOnlyList<RecipientGroup> Groups, string AddedBy, DateTimeOffset AddedAt) : IMessageEvent;

/// <summary>The owner cancelled the message before it was sent.</summary>
public sealed record MessageCancelled(Guid MessageId, string OwnerId, string CancelledBy, DateTimeOffset CancelledAt) : IMessageEvent;
