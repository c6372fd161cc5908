using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Tickets;

namespace EventSourced.Application.Tickets;

/// <summary>
/// Applies the seller's records. An order whose show, or a refund whose order, has not arrived
/// yet is parked in a stream of its own and applied when that entity arrives. Both sides look
/// after their own write (the entity releases after recording, the parker re-checks after
/// parking), so a message can never be left parked while its entity exists.
/// </summary>
public sealed class TicketIngestion(CommandHandler handler, IEventStore store)
{
    public Task<IngestOutcome> IngestAsync(ITicketCommand command, CommandContext context, CancellationToken ct) => command switch
    {
        IngestTicketEvent show => ShowAsync(show, context, ct),
        IngestOrder order => OrderAsync(order, context, ct),
        IngestRefund refund => RefundAsync(refund, context, ct),
        _ => throw new InvalidOperationException($"Unknown ticket command {command.GetType().Name}."),
    };

    private async Task<IngestOutcome> ShowAsync(IngestTicketEvent show, CommandContext context, CancellationToken ct)
    {
        var result = await handler.HandleAsync(TicketShow.Decider, TicketShow.StreamId(show.EventId), show, context, ct: ct);
        await ReleaseAsync(TicketShow.StreamId(show.EventId), context, show.At, ct);
        return IngestOutcome.Of(result.Position);
    }

    private async Task<IngestOutcome> OrderAsync(IngestOrder order, CommandContext context, CancellationToken ct)
    {
        var show = TicketShow.StreamId(order.EventId);
        if (!await ExistsAsync(show, ct))
        {
            return await ParkAsync(order, show, context, order.At, ct);
        }

        var result = await handler.HandleAsync(TicketOrder.Decider, TicketOrder.StreamId(order.OrderId), order, context, ct: ct);
        await ReleaseAsync(TicketOrder.StreamId(order.OrderId), context, order.At, ct);
        return IngestOutcome.Of(result.Position);
    }

    private async Task<IngestOutcome> RefundAsync(IngestRefund refund, CommandContext context, CancellationToken ct)
    {
        var order = TicketOrder.StreamId(refund.OrderId);
        if (!await ExistsAsync(order, ct))
        {
            return await ParkAsync(refund, order, context, refund.At, ct);
        }

        var result = await handler.HandleAsync(TicketOrder.Decider, order, refund, context, ct: ct);
        return IngestOutcome.Of(result.Position);
    }

    private async Task<IngestOutcome> ParkAsync(ITicketCommand message, string awaitedStream, CommandContext context, DateTimeOffset at, CancellationToken ct)
    {
        var parked = await handler.HandleAsync(ParkedMessages.Decider, ParkedMessages.StreamId(awaitedStream), new ParkMessage(message, at), context, ct: ct);
        // The awaited entity may have been recorded, and its release run, just before we parked.
        if (await ExistsAsync(awaitedStream, ct))
        {
            await ReleaseAsync(awaitedStream, context, at, ct);
        }

        return new IngestOutcome(IngestStatus.Parked, parked.Position);
    }

    private async Task ReleaseAsync(string awaitedStream, CommandContext context, DateTimeOffset at, CancellationToken ct)
    {
        var parkingStream = ParkedMessages.StreamId(awaitedStream);
        var (parked, _) = await handler.LoadAsync(ParkedMessages.Decider, parkingStream, ct);
        var waiting = parked.Waiting.ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        foreach (var (_, message) in waiting)
        {
            try
            {
                await IngestAsync(message, context, ct);
            }
            catch (DomainException)
            {
                // A parked message the entity refuses (a refund naming unknown tickets) stays in
                // the parking stream for the audit; it must not hold back the others.
            }
        }

        await handler.HandleAsync(ParkedMessages.Decider, parkingStream, new ReleaseParked(waiting[^1].Version, at), context, ct: ct);
    }

    private async Task<bool> ExistsAsync(string stream, CancellationToken ct) =>
        (await store.ReadStreamAsync(stream, ReadDirection.Backward, long.MaxValue, 1, ct)).Count > 0;
}

public enum IngestStatus
{
    /// <summary>The record changed what we know.</summary>
    Applied,

    /// <summary>The record said nothing new (a redelivery, or no change).</summary>
    Unchanged,

    /// <summary>The record waits for the entity it refers to.</summary>
    Parked,
}

public sealed record IngestOutcome(IngestStatus Status, long? Position)
{
    public static IngestOutcome Of(long? position) => new(position is null ? IngestStatus.Unchanged : IngestStatus.Applied, position);
}
