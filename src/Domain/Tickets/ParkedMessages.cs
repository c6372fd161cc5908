using System.Collections.Immutable;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

public sealed record ParkMessage(ITicketCommand Message, DateTimeOffset At);

public sealed record ReleaseParked(long UpToVersion, DateTimeOffset At);

/// <summary>
/// Messages waiting for an entity that has not arrived yet (orders for a show, refunds for an
/// order), one stream per awaited entity. Released messages stay in the stream for the audit.
/// <see cref="Version"/> is the stream version, so releases can name how far they got.
/// </summary>
public sealed record ParkedMessages(ImmutableList<(long Version, ITicketCommand Message)> Parked, long ReleasedUpTo, long Version)
{
    public static readonly Decider<object, object, ParkedMessages> Decider = new(Decide, Evolve, new ParkedMessages([], -1, -1));

    public static string StreamId(string awaitedStreamId) => $"parked-{awaitedStreamId}";

    public IEnumerable<(long Version, ITicketCommand Message)> Waiting => Parked.Where(p => p.Version > ReleasedUpTo);

    private static IReadOnlyList<object> Decide(object command, ParkedMessages state) => command switch
    {
        // The same message delivered twice is parked once.
        ParkMessage p when state.Parked.Any(a => Same(a.Message, p.Message)) => [],
        ParkMessage { Message: IngestOrder o } p => [new OrderParked(o, p.At)],
        ParkMessage { Message: IngestRefund r } p => [new RefundParked(r, p.At)],
        ReleaseParked r when r.UpToVersion > state.ReleasedUpTo => [new ParkedReleased(r.UpToVersion, r.At)],
        ReleaseParked => [],
        _ => throw new InvalidOperationException($"Cannot park {command.GetType().Name}."),
    };

    private static bool Same(ITicketCommand parked, ITicketCommand incoming) => (parked, incoming) switch
    {
        (IngestOrder a, IngestOrder b) => a.OrderId == b.OrderId && a.EventId == b.EventId && a.Status == b.Status && a.Tickets.SequenceEqual(b.Tickets),
        (IngestRefund a, IngestRefund b) => a.RefundId == b.RefundId && a.Status == b.Status && a.TicketIds.SequenceEqual(b.TicketIds),
        _ => false,
    };

    private static ParkedMessages Evolve(ParkedMessages state, object @event)
    {
        var version = state.Version + 1;
        return @event switch
        {
            OrderParked e => state with { Parked = state.Parked.Add((version, e.Order)), Version = version },
            RefundParked e => state with { Parked = state.Parked.Add((version, e.Refund)), Version = version },
            ParkedReleased e => state with { ReleasedUpTo = e.UpToVersion, Version = version },
            _ => state with { Version = version },
        };
    }
}
