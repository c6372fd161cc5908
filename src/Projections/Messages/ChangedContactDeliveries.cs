using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Application.Messages;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Messages;

/// <summary>
/// Keeps the deliveries still waiting (scheduled, retrying or failed) in step with their contacts
/// (<see cref="ContactChanges"/>): a removed contact hears nothing more (ADR 0039), a messenger the
/// contact no longer has is not used, a changed id is where the delivery goes, and a message not
/// yet due goes over the messengers its contacts gained (ADR 0040). It follows contact changes,
/// messages scheduled and failed attempts, so that nothing slips between a change and a delivery:
/// <list type="bullet">
/// <item>a change or removal reaches the messages with deliveries to the contact that the messages
/// read model holds once it has caught up with the change;</item>
/// <item>a message stored after a change it was decided before, and an attempt that was in flight
/// at the change and failed (to be retried, or listed as failed), are checked against the owner's
/// contact book as it is now.</item>
/// </list>
/// Doing it again changes nothing, so a crash before the checkpoint, or a second node doing the
/// same, is harmless. It reads its events sealed, as it needs their ids only; the messages and
/// contact books it compares it loads as every command does.
/// </summary>
public sealed class ChangedContactDeliveries(
    IEventStore store, EventTypeRegistry registry, CommandHandler handler, MessageQueries messages, ProjectionProgress progress,
    NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ChangedContactDeliveries> logger) : Reactor(Definition, store, dataSource, clock, logger)
{
    public static readonly ReactorDefinition Definition = new(
        "changed-contacts",
        EventFilter.ForTypes("contact_updated", "contact_removed", "message_scheduled", "delivery_attempt_failed", "delivery_failed").Sealed());

    protected override async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        var context = new CommandContext(Name, recorded.Metadata.CorrelationId ?? recorded.EventId.ToString(), recorded.EventId.ToString());
        switch (registry.Deserialize(recorded))
        {
            // Only updates and removals are followed (the filter).
            case IContactEvent changed:
            {
                var book = await BookAsync(changed.OwnerId, ct);
                foreach (var messageId in await MessagesWaitingForAsync(changed.ContactId, recorded.Position, ct))
                {
                    await FollowContactsAsync(messageId, book, context, ct);
                }

                break;
            }

            // A deploy's notifications name no contact, and have no contact book to read.
            case MessageScheduled scheduled when scheduled.Deliveries.Any(d => d.ContactId != Guid.Empty):
            {
                var book = await BookAsync(scheduled.OwnerId, ct);
                if (AnyChangedSinceAdded(scheduled, book))
                {
                    await FollowContactsAsync(scheduled.MessageId, book, context, ct);
                }

                break;
            }

            // A failed attempt (the filter's only delivery events): its message names its owner.
            case IDeliveryEvent failed:
                await FollowContactsAsync(failed.MessageId, null, context, ct);
                break;
        }
    }

    private async Task<IReadOnlyCollection<Guid>> MessagesWaitingForAsync(Guid contactId, long position, CancellationToken ct)
    {
        // Every message appended before the change is in the read model once it reaches the change.
        if (!await progress.WaitForAsync("messages", position, progress.ReadYourWritesTimeout, ct))
        {
            throw new TimeoutException($"The messages read model has not reached position {position}, where a contact changed.");
        }

        return (await messages.WaitingDeliveriesToAsync(contactId, ct)).Select(d => d.MessageId).ToHashSet();
    }

    // A contact never changed since it was added still has the ids the message was decided on: the
    // message need not be read (most messages, when the reactor catches up with a history).
    private static bool AnyChangedSinceAdded(MessageScheduled scheduled, ContactBook book) =>
        scheduled.Deliveries.Any(d => book.Contacts.GetValueOrDefault(d.ContactId) is { } contact && (contact.Removed || contact.Revision > 0));

    private async Task<ContactBook> BookAsync(string ownerId, CancellationToken ct) =>
        (await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(ownerId), ct)).State;

    /// <param name="book">The owner's contact book, when the event's owner is known; else read once the message names its owner.</param>
    private async Task FollowContactsAsync(Guid messageId, ContactBook? book, CommandContext context, CancellationToken ct)
    {
        var (message, _) = await handler.LoadAsync(Message.Decider, Message.StreamId(messageId), ct);
        if (message.Deliveries.All(d => d.ContactId == Guid.Empty))
        {
            return;
        }

        book ??= await BookAsync(message.OwnerId, ct);
        if (ContactChanges.Commands(message, book, Name, Clock.GetUtcNow()) is { Count: > 0 } commands)
        {
            await handler.HandleAllAsync(Message.Decider, Message.StreamId(messageId), [.. commands], context, ct: ct);
        }
    }
}
