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
/// A removed contact can no longer receive messages (ADR 0039): this cancels what was still to go
/// out to one, scheduled, retrying or failed. It follows removals, messages scheduled and failed
/// attempts, so that nothing slips between a removal and a delivery:
/// <list type="bullet">
/// <item>a removal cancels the deliveries to the contact that the messages read model holds once
/// it has caught up with the removal;</item>
/// <item>a message stored after a removal it was decided before, and an attempt that was in flight
/// at the removal and failed (to be retried, or listed as failed), are checked against the owner's
/// contact book as it is now.</item>
/// </list>
/// Cancelling again changes nothing, so a crash before the checkpoint, or a second node doing the
/// same, is harmless. It reads events sealed: it needs ids only, never a name or an address.
/// </summary>
public sealed class RemovedContactDeliveries(
    IEventStore store, EventTypeRegistry registry, CommandHandler handler, MessageQueries messages, ProjectionProgress progress,
    NpgsqlDataSource dataSource, TimeProvider clock, ILogger<RemovedContactDeliveries> logger) : Reactor(Definition, store, dataSource, clock, logger)
{
    private const string Reason = "the contact was removed";

    public static readonly ReactorDefinition Definition = new(
        "removed-contacts", EventFilter.ForTypes("contact_removed", "message_scheduled", "delivery_attempt_failed", "delivery_failed").Sealed());

    protected override async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        var toCancel = registry.Deserialize(recorded) switch
        {
            ContactRemoved removed => await WaitingDeliveriesAsync(removed, recorded.Position, ct),
            MessageScheduled scheduled => await ToRemovedContactsAsync(scheduled.MessageId, scheduled.OwnerId, scheduled.Deliveries, ct),
            DeliveryAttemptFailed failed => await FailedToRemovedContactAsync(failed.MessageId, failed.DeliveryId, ct),
            DeliveryFailed failed => await FailedToRemovedContactAsync(failed.MessageId, failed.DeliveryId, ct),
            _ => [],
        };
        if (toCancel.Count > 0)
        {
            var context = new CommandContext(Name, recorded.Metadata.CorrelationId ?? recorded.EventId.ToString(), recorded.EventId.ToString());
            await handler.HandleByMessageAsync(toCancel.Select(d => d.Cancel(Reason, Name, Clock.GetUtcNow())), context, ct);
        }
    }

    private async Task<IReadOnlyList<DeliveryRef>> WaitingDeliveriesAsync(ContactRemoved removed, long position, CancellationToken ct)
    {
        // Every message appended before the removal is in the read model once it reaches the removal.
        if (!await progress.WaitForAsync("messages", position, progress.ReadYourWritesTimeout, ct))
        {
            throw new TimeoutException($"The messages read model has not reached position {position}, where a contact was removed.");
        }

        return await messages.WaitingDeliveriesToAsync(removed.ContactId, ct);
    }

    private async Task<IReadOnlyList<DeliveryRef>> FailedToRemovedContactAsync(Guid messageId, Guid deliveryId, CancellationToken ct)
    {
        var (message, _) = await handler.LoadAsync(Message.Decider, Message.StreamId(messageId), ct);
        return await ToRemovedContactsAsync(messageId, message.OwnerId, message.Deliveries.Where(d => d.DeliveryId == deliveryId), ct);
    }

    private async Task<IReadOnlyList<DeliveryRef>> ToRemovedContactsAsync(Guid messageId, string ownerId, IEnumerable<PlannedDelivery> deliveries, CancellationToken ct)
    {
        // A deploy's notifications name no contact, and have no contact book to read.
        var toContacts = deliveries.Where(d => d.ContactId != Guid.Empty).ToList();
        if (toContacts.Count == 0)
        {
            return [];
        }

        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(ownerId), ct);
        return [.. toContacts
            .Where(d => book.Contacts.GetValueOrDefault(d.ContactId) is { Removed: true })
            .Select(d => new DeliveryRef(messageId, ownerId, d.DeliveryId))];
    }
}
