using System.Collections.Immutable;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Privacy;

namespace EventSourced.Domain.Messages;

public enum MessageStatus
{
    None,
    Scheduled,
    Cancelled,
}

/// <summary>A broadcast message: its text, when it may go out, the deliveries it fixed and where each stands.</summary>
public sealed record Message(
    Guid Id, string OwnerId, MessageStatus Status, string Text, DateTimeOffset NotBefore, IReadOnlyList<PlannedDelivery> Deliveries,
    ImmutableDictionary<Guid, DeliveryProgress> Progress)
{
    public const int MaxTextLength = 4096;

    /// <summary>Why a delivery was cancelled when its contact was taken off the message.</summary>
    public const string TakenOffReason = "the contact was taken off the message";

    /// <summary>The contacts one message goes to at most, those added later included: each is a delivery (or more).</summary>
    public const int MaxRecipients = 1000;

    /// <summary>What stands for each recipient's name in a personalized message's text.</summary>
    public const string NamePlaceholder = "{name}";

    /// <summary>The groups named when it was scheduled, and those added since.</summary>
    public IReadOnlyList<RecipientGroup> Groups { get; init; } = [];

    /// <summary>Whether <see cref="NamePlaceholder"/> in the text stands for each recipient's name (<see cref="MessageScheduled.Personalized"/>).</summary>
    public bool Personalized { get; init; }

    /// <summary>The text as this delivery's recipient gets it.</summary>
    public string TextFor(PlannedDelivery delivery) => Personalized ? Text.Replace(NamePlaceholder, delivery.ContactName, StringComparison.Ordinal) : Text;

    public static readonly Message None = new(Guid.Empty, "", MessageStatus.None, "", default, [], ImmutableDictionary<Guid, DeliveryProgress>.Empty);

    public static readonly Decider<IMessageCommand, IMessageEvent, Message> Decider = new(Decide, Evolve, None);

    public static string StreamId(Guid messageId) => $"message-{messageId}";

    /// <summary>Problems with a message text; null when it is valid.</summary>
    public static string? TextProblem(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength ? $"A text of 1 to {MaxTextLength} characters is required." : null;

    private static IReadOnlyList<IMessageEvent> Decide(IMessageCommand command, Message state) => (command, state.Status) switch
    {
        (ScheduleMessage schedule, MessageStatus.None) => [Scheduled(schedule)],
        // A retry of the same schedule changes nothing; anything else under this id is a conflict.
        (ScheduleMessage schedule, _) when schedule.Text == state.Text && state.OwnerId == schedule.OwnerId => [],
        (ScheduleMessage schedule, _) => throw new MessageAlreadyExistsException(schedule.MessageId),
        (ScheduleNotification notification, MessageStatus.None) => [Notification(notification)],
        // Notification ids follow from what they notify of: the first decision stands, even if a template changed since.
        (ScheduleNotification notification, _) when notification.OwnerId == state.OwnerId => [],
        (ScheduleNotification notification, _) => throw new MessageAlreadyExistsException(notification.MessageId),
        // Another owner's message does not exist for this owner.
        (CancelMessage cancel, MessageStatus.None) => throw new MessageNotFoundException(cancel.MessageId),
        (CancelMessage cancel, _) when cancel.OwnerId != state.OwnerId => throw new MessageNotFoundException(cancel.MessageId),
        (EditMessage edit, _) when edit.OwnerId != state.OwnerId || state.Status == MessageStatus.None => throw new MessageNotFoundException(edit.MessageId),
        (EditMessage edit, _) => Edited(edit, state),
        (AddRecipients add, _) when add.OwnerId != state.OwnerId || state.Status == MessageStatus.None => throw new MessageNotFoundException(add.MessageId),
        (AddRecipients add, _) => RecipientsAdded(add, state),
        (RemoveRecipients remove, _) when remove.OwnerId != state.OwnerId || state.Status == MessageStatus.None => throw new MessageNotFoundException(remove.MessageId),
        (RemoveRecipients remove, _) => RecipientsRemoved(remove, state),
        (CancelMessage, MessageStatus.Cancelled) => [],
        (CancelMessage cancel, MessageStatus.Scheduled) => [new MessageCancelled(cancel.MessageId, cancel.OwnerId, cancel.Actor, cancel.At)],
        (PlanDelivery plan, _) when state.Status == MessageStatus.None || plan.OwnerId != state.OwnerId => throw new MessageNotFoundException(plan.MessageId),
        (PlanDelivery plan, _) => Planned(plan, state),
        (IDeliveryCommand delivery, _) when state.Status == MessageStatus.None || delivery.OwnerId != state.OwnerId => throw new MessageNotFoundException(delivery.MessageId),
        // Never send to an address that reads as erased or unreadable: the recipient was forgotten, or its key is lost.
        (StartDeliveryAttempt start, _) when state.Deliveries.FirstOrDefault(d => d.DeliveryId == start.DeliveryId) is { } d && Withheld.Is(d.Address) =>
            state.Progress[start.DeliveryId].Decide(new CancelDelivery(start.MessageId, start.OwnerId, start.DeliveryId, "the recipient's data is erased", "system", start.At)),
        (ReaddressDelivery readdress, _) => Readdressed(readdress, state),
        (IDeliveryCommand delivery, _) => state.Progress.TryGetValue(delivery.DeliveryId, out var progress)
            ? progress.Decide(delivery)
            : throw new DeliveryNotFoundException(delivery.DeliveryId),
        _ => throw new InvalidOperationException($"Unknown message command {command.GetType().Name}."),
    };

    private static MessageScheduled Scheduled(ScheduleMessage schedule)
    {
        if (TextProblem(schedule.Text) is { } problem)
        {
            throw new InvalidMessageException(problem);
        }

        var deliveries = schedule.Recipients
            .DistinctBy(r => r.ContactId)
            .SelectMany(r => Channels(r.Messengers).Select(c => (r, c.Channel, c.Address)))
            .Select((d, i) => new PlannedDelivery(DeliveryId(schedule.MessageId, i), d.r.ContactId, d.r.Name, d.Channel, d.Address))
            .ToList();
        if (deliveries.Count == 0)
        {
            throw new InvalidMessageException("A message needs at least one recipient with a messenger id.");
        }

        var notBefore = schedule.NotBefore is { } at && at > schedule.At ? at : schedule.At;
        return new MessageScheduled(
            schedule.MessageId, schedule.OwnerId, schedule.Text, notBefore, deliveries, schedule.Actor, schedule.At, schedule.Groups is { Count: > 0 } groups ? groups : null,
            Personalized: true);
    }

    // The text and time as they are after the edit, the whole new state (as contact_updated does).
    private static IReadOnlyList<IMessageEvent> Edited(EditMessage edit, Message state)
    {
        EnsureWaiting(state, edit.At);
        var text = edit.Text.Or(state.Text);
        if (TextProblem(text) is { } problem)
        {
            throw new InvalidMessageException(problem);
        }

        var notBefore = edit.NotBefore.HasValue ? (edit.NotBefore.Value > edit.At ? edit.NotBefore.Value : edit.At) : state.NotBefore;
        return text == state.Text && notBefore == state.NotBefore
            ? []
            : [new MessageEdited(edit.MessageId, edit.OwnerId, text, notBefore, edit.Actor, edit.At)];
    }

    /// <summary>
    /// A message changes (its text, time or recipients) only while it waits for its time and none
    /// of its deliveries has started: a send begun early by a node whose clock runs ahead is in the
    /// stream before this decision, and refuses it.
    /// </summary>
    private static void EnsureWaiting(Message state, DateTimeOffset at)
    {
        var why = state.Status == MessageStatus.Cancelled ? "it was cancelled"
            : at >= state.NotBefore || state.Progress.Values.Any(Started) ? "it is going out already"
            : null;
        if (why is not null)
        {
            throw new MessageNotEditableException(state.Id, why);
        }
    }

    // Each new contact over every messenger it has; one already on the message gains only what it lacks,
    // so the same addition again changes nothing. One pass over what the message holds, not one per delivery added.
    private static List<IMessageEvent> RecipientsAdded(AddRecipients add, Message state)
    {
        EnsureWaiting(state, add.At);
        var live = state.LiveDeliveries().ToHashSet();
        var added = new List<IMessageEvent>();
        foreach (var (recipient, (channel, address)) in add.Recipients.DistinctBy(r => r.ContactId).SelectMany(r => Channels(r.Messengers).Select(c => (r, c))))
        {
            if (live.Add((recipient.ContactId, channel)))
            {
                added.Add(new DeliveryPlanned(
                    state.Id, DeliveryId(state.Id, state.Deliveries.Count + added.Count), state.OwnerId, recipient.ContactId, recipient.Name, channel, address, state.NotBefore, add.Actor, add.At));
            }
        }

        var recipients = live.Select(d => d.ContactId).Distinct().Count();
        if (recipients > MaxRecipients)
        {
            throw new TooManyRecipientsException(recipients);
        }

        var groups = add.Groups.Where(g => !state.Groups.Any(named => named.GroupId == g.GroupId)).DistinctBy(g => g.GroupId).ToList();
        return groups.Count > 0 ? [.. added, new MessageGroupsAdded(state.Id, state.OwnerId, groups, add.Actor, add.At)] : added;
    }

    // A contact not on the message (or taken off already) changes nothing; taking off every one is cancelling it.
    private static List<DeliveryCancelled> RecipientsRemoved(RemoveRecipients remove, Message state)
    {
        EnsureWaiting(state, remove.At);
        var contacts = remove.ContactIds.ToHashSet();
        var cancelled = state.Deliveries
            .Where(d => contacts.Contains(d.ContactId) && state.Progress[d.DeliveryId].Status != DeliveryStatus.Cancelled)
            .Select(d => new DeliveryCancelled(state.Id, d.DeliveryId, TakenOffReason, remove.Actor, remove.At))
            .ToList();
        return cancelled.Count > 0 && state.LiveDeliveries().All(d => contacts.Contains(d.ContactId))
            ? throw new InvalidMessageException("That would take every recipient off the message: cancel the message instead.")
            : cancelled;
    }

    /// <summary>Each contact and messenger it still goes to: its deliveries not cancelled.</summary>
    private IEnumerable<(Guid ContactId, Channel Channel)> LiveDeliveries() =>
        Deliveries.Where(d => Progress[d.DeliveryId].Status != DeliveryStatus.Cancelled).Select(d => (d.ContactId, d.Channel));

    // A delivery cancelled before its time (its contact removed, ADR 0039) did not start.
    private static bool Started(DeliveryProgress progress) =>
        progress.Attempts > 0 || progress.Status is not (DeliveryStatus.Scheduled or DeliveryStatus.Cancelled);

    // What is sending ends as it ends (if it fails, it is readdressed then); what has ended stays as it ended.
    private static IReadOnlyList<IMessageEvent> Readdressed(ReaddressDelivery readdress, Message state)
    {
        var delivery = state.Deliveries.FirstOrDefault(d => d.DeliveryId == readdress.DeliveryId) ?? throw new DeliveryNotFoundException(readdress.DeliveryId);
        return state.Progress[delivery.DeliveryId].IsWaiting && delivery.Address != readdress.Address
            ? [new DeliveryReaddressed(state.Id, delivery.DeliveryId, state.OwnerId, delivery.ContactId, readdress.Address, readdress.Actor, readdress.At)]
            : [];
    }

    /// <summary>
    /// Whether a delivery to the contact on the messenger may still be added: only while the message
    /// waits for its time (once due, its deliveries are what went out), and one per contact and
    /// messenger that is not cancelled: a messenger taken off the contact and put back goes out again.
    /// </summary>
    public bool CanPlan(Guid contactId, Channel channel, DateTimeOffset at) =>
        Status == MessageStatus.Scheduled && at < NotBefore
        && !Deliveries.Any(d => d.ContactId == contactId && d.Channel == channel && Progress[d.DeliveryId].Status != DeliveryStatus.Cancelled);

    private static IReadOnlyList<IMessageEvent> Planned(PlanDelivery plan, Message state) =>
        state.CanPlan(plan.ContactId, plan.Channel, plan.At)
            ? [new DeliveryPlanned(state.Id, DeliveryId(state.Id, state.Deliveries.Count), state.OwnerId, plan.ContactId, plan.ContactName, plan.Channel, plan.Address, state.NotBefore, plan.Actor, plan.At)]
            : [];

    private static MessageScheduled Notification(ScheduleNotification notification)
    {
        if (TextProblem(notification.Text) is { } problem)
        {
            throw new InvalidMessageException(problem);
        }

        if (notification.Targets.Count == 0)
        {
            throw new InvalidMessageException("A notification needs at least one target.");
        }

        var deliveries = notification.Targets
            .Select((t, i) => new PlannedDelivery(DeliveryId(notification.MessageId, i), Guid.Empty, t.Name, t.Channel, t.Address))
            .ToList();
        return new MessageScheduled(notification.MessageId, notification.OwnerId, notification.Text, notification.At, deliveries, notification.Actor, notification.At);
    }

    /// <summary>Each messenger the ids name, with the id on it: where a message to that contact goes.</summary>
    public static IEnumerable<(Channel Channel, string Address)> Channels(MessengerIds m)
    {
        if (m.Telegram is not null)
        {
            yield return (Channel.Telegram, m.Telegram);
        }

        if (m.WhatsApp is not null)
        {
            yield return (Channel.WhatsApp, m.WhatsApp);
        }

        if (m.Viber is not null)
        {
            yield return (Channel.Viber, m.Viber);
        }
    }

    // Delivery ids follow from the message id and the delivery's place in it, so deciding twice
    // (a retried command) yields the same ids.
    private static Guid DeliveryId(Guid messageId, int index)
    {
        var bytes = messageId.ToByteArray(bigEndian: true);
        bytes[15] ^= (byte)(index + 1);
        bytes[14] ^= (byte)((index + 1) >> 8);
        return new Guid(bytes, bigEndian: true);
    }

    private static Message Evolve(Message state, IMessageEvent @event) => @event switch
    {
        MessageScheduled e => new Message(
            e.MessageId, e.OwnerId, MessageStatus.Scheduled, e.Text, e.NotBefore, e.Deliveries, e.Deliveries.ToImmutableDictionary(d => d.DeliveryId, _ => DeliveryProgress.New))
        {
            Groups = e.Groups ?? [],
            Personalized = e.Personalized,
        },
        MessageEdited e => state with { Text = e.Text, NotBefore = e.NotBefore },
        MessageGroupsAdded e => state with { Groups = [.. state.Groups, .. e.Groups] },
        // A send already in flight still ends as it ends; the rest will not go out.
        MessageCancelled => state with
        {
            Status = MessageStatus.Cancelled,
            Progress = state.Progress.SetItems(state.Progress
                .Where(p => p.Value.Status is DeliveryStatus.Scheduled or DeliveryStatus.Retrying)
                .Select(p => KeyValuePair.Create(p.Key, p.Value with { Status = DeliveryStatus.Cancelled }))),
        },
        DeliveryPlanned e => state with
        {
            Deliveries = [.. state.Deliveries, new PlannedDelivery(e.DeliveryId, e.ContactId, e.ContactName, e.Channel, e.Address)],
            Progress = state.Progress.SetItem(e.DeliveryId, DeliveryProgress.New),
        },
        DeliveryReaddressed e => state with { Deliveries = [.. state.Deliveries.Select(d => d.DeliveryId == e.DeliveryId ? d with { Address = e.Address } : d)] },
        IDeliveryEvent e when state.Progress.TryGetValue(e.DeliveryId, out var progress) => state with { Progress = state.Progress.SetItem(e.DeliveryId, progress.Evolve(e)) },
        _ => state,
    };
}
