using System.Collections.Concurrent;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;

namespace EventSourced.Application.Tickets;

/// <summary>
/// Applies the seller's records. An order one of whose shows has not arrived yet is parked in a
/// stream of its own and applied when that show arrives. Both sides look after their own write
/// (the show releases after recording, the parker re-checks after parking), so an order can never
/// be left parked while its shows exist. Refunds need no parking: they are recorded as they come,
/// and the tickets read model applies them whenever the tickets' order is there (ADR 0011).
/// </summary>
public sealed class TicketIngestion(CommandHandler handler, IEventStore store)
{
    private const int KnownShowsCapacity = 100_000;

    // Shows seen to exist. A show's stream is never emptied again, so once seen it needs no read
    // for every order of it; bounded by forgetting all when full.
    private readonly ConcurrentDictionary<string, bool> _knownShows = new();

    public Task<IngestOutcome> IngestAsync(ITicketCommand command, CommandContext context, CancellationToken ct) => command switch
    {
        IngestTicketEvent show => ShowAsync(show, context, ct),
        IngestOrder order => OrderAsync(order, context, ct),
        IngestRefund refund => RefundAsync(refund, context, ct),
        _ => throw new InvalidOperationException($"Unknown ticket command {command.GetType().Name}."),
    };

    private async Task<IngestOutcome> ShowAsync(IngestTicketEvent show, CommandContext context, CancellationToken ct)
    {
        var stream = TicketShow.StreamId(show.Show.EventId);
        var result = await handler.HandleAsync(TicketShow.Decider, stream, show, context, assumeEmpty: true, ct: ct);
        await ReleaseAsync(stream, context, show.At, ct);
        return IngestOutcome.Of(result.Position);
    }

    private async Task<IngestOutcome> OrderAsync(IngestOrder order, CommandContext context, CancellationToken ct)
    {
        foreach (var show in TicketOrder.ShowsOf(order.Order).Select(TicketShow.StreamId))
        {
            if (!await ExistsAsync(show, ct))
            {
                return await ParkAsync(order, show, context, ct);
            }
        }

        var result = await handler.HandleAsync(TicketOrder.Decider, TicketOrder.StreamId(order.Order.OrderId), order, context, assumeEmpty: true, ct: ct);
        return IngestOutcome.Of(result.Position);
    }

    private async Task<IngestOutcome> RefundAsync(IngestRefund refund, CommandContext context, CancellationToken ct)
    {
        var result = await handler.HandleAsync(TicketRefund.Decider, TicketRefund.StreamId(refund.Refund.RefundId), refund, context, assumeEmpty: true, ct: ct);
        return IngestOutcome.Of(result.Position);
    }

    private async Task<IngestOutcome> ParkAsync(IngestOrder order, string awaitedShow, CommandContext context, CancellationToken ct)
    {
        var parked = await handler.HandleAsync(ParkedMessages.Decider, ParkedMessages.StreamId(awaitedShow), new ParkMessage(order, order.At, context.SourceRecord), context, ct: ct);
        // The awaited show may have been recorded, and its release run, just before we parked.
        if (await ExistsAsync(awaitedShow, ct))
        {
            await ReleaseAsync(awaitedShow, context, order.At, ct);
        }

        return new IngestOutcome(IngestStatus.Parked, parked.Position);
    }

    /// <summary>Applies what waits for this show; an order that still misses another show parks again there.</summary>
    private async Task ReleaseAsync(string awaitedShow, CommandContext context, DateTimeOffset at, CancellationToken ct)
    {
        var parkingStream = ParkedMessages.StreamId(awaitedShow);
        var (parked, _) = await handler.LoadAsync(ParkedMessages.Decider, parkingStream, ct);
        var waiting = parked.Waiting.ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        // Each as the record it came in: its events get the ids they would get applied directly,
        // so a redelivery that finds the show already there appends nothing twice.
        foreach (var (_, message, source) in waiting)
        {
            await IngestAsync(message, context with { SourceRecord = source }, ct);
        }

        await handler.HandleAsync(ParkedMessages.Decider, parkingStream, new ReleaseParked(waiting[^1].Version, at), context, ct: ct);
    }

    private async Task<bool> ExistsAsync(string show, CancellationToken ct)
    {
        if (_knownShows.ContainsKey(show))
        {
            return true;
        }

        if ((await store.ReadStreamAsync(show, ReadDirection.Backward, long.MaxValue, 1, ct)).Count == 0)
        {
            return false;
        }

        if (_knownShows.Count >= KnownShowsCapacity)
        {
            _knownShows.Clear();
        }

        _knownShows.TryAdd(show, true);
        return true;
    }
}

public enum IngestStatus
{
    /// <summary>The record changed what we know.</summary>
    Applied,

    /// <summary>The record said nothing new (a redelivery, or no change).</summary>
    Unchanged,

    /// <summary>The record (an order) waits for a show it refers to.</summary>
    Parked,
}

public sealed record IngestOutcome(IngestStatus Status, long? Position)
{
    public static IngestOutcome Of(long? position) => new(position is null ? IngestStatus.Unchanged : IngestStatus.Applied, position);
}
