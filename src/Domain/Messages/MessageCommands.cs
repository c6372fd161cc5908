using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Messages;

public interface IMessageCommand
{
    Guid MessageId { get; }

    string OwnerId { get; }
}

/// <summary>A recipient as found in the owner's contact book when the message is scheduled.</summary>
public sealed record Recipient(Guid ContactId, string Name, MessengerIds Messengers);

/// <summary>
/// Schedule a message; a missing or past <paramref name="NotBefore"/> means now (<paramref name="At"/>).
/// <paramref name="Groups"/>: the groups named, whose members are among the recipients.
/// </summary>
public sealed record ScheduleMessage(
    Guid MessageId,
    string OwnerId,
    string Text,
    DateTimeOffset? NotBefore,
    IReadOnlyList<Recipient> Recipients,
    string Actor,
    DateTimeOffset At,
    IReadOnlyList<RecipientGroup>? Groups = null) : IMessageCommand;

/// <summary>
/// Change a message's text and/or time while it waits for its time; an unset field stays. A
/// <paramref name="NotBefore"/> now or past means now.
/// </summary>
public sealed record EditMessage(
    Guid MessageId, string OwnerId, Optional<string> Text, Optional<DateTimeOffset> NotBefore, string Actor, DateTimeOffset At) : IMessageCommand;

/// <summary>
/// Add contacts to a message while it waits for its time, each over every messenger it has;
/// <paramref name="Groups"/>: the groups named, whose members are among them.
/// </summary>
public sealed record AddRecipients(
    Guid MessageId, string OwnerId, IReadOnlyList<Recipient> Recipients, IReadOnlyList<RecipientGroup> Groups, string Actor, DateTimeOffset At) : IMessageCommand;

/// <summary>Take contacts off a message while it waits for its time: their deliveries are cancelled.</summary>
public sealed record RemoveRecipients(Guid MessageId, string OwnerId, IReadOnlyList<Guid> ContactIds, string Actor, DateTimeOffset At) : IMessageCommand;

public sealed record CancelMessage(Guid MessageId, string OwnerId, string Actor, DateTimeOffset At) : IMessageCommand;

/// <summary>Where one delivery of a notification goes: an outlet and its address (a chat, a ticket key, an application).</summary>
public sealed record NotificationTarget(Channel Channel, string Address, string Name);

/// <summary>
/// A message the system sends on its own (a deploy's notification) to fixed targets rather than
/// to contacts; it goes out at once, through the same deliveries, retries and failed queue.
/// </summary>
public sealed record ScheduleNotification(
    Guid MessageId, string OwnerId, string Text, IReadOnlyList<NotificationTarget> Targets, string Actor, DateTimeOffset At) : IMessageCommand;
