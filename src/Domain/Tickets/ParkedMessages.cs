using System.Collections.Immutable;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

public sealed record ParkMessage(ITicketCommand Message, DateTimeOffset At, string? SourceRecord = null);

public sealed record ReleaseParked(long UpToVersion, DateTimeOffset At);

/// <summary>
/// Orders waiting for a show that has not arrived yet, one stream per awaited show. Released messages stay in the stream for the audit.
/// <see cref="Version"/> is the stream version, so releases can name how far they got.
/// </summary>
public sealed record ParkedMessages(ImmutableList<(long Version, ITicketCommand Message, string? SourceRecord)> Parked, long ReleasedUpTo, long Version)
{
    public static readonly Decider<object, object, ParkedMessages> Decider = new(Decide, Evolve, new ParkedMessages([], -1, -1));

    public static string StreamId(string awaitedStreamId) => $"parked-{awaitedStreamId}";

    public IEnumerable<(long Version, ITicketCommand Message, string? SourceRecord)> Waiting => Parked.Where(p => p.Version > ReleasedUpTo);

    private static IReadOnlyList<object> Decide(object command, ParkedMessages state) => command switch
    {
        // The same message delivered twice is parked once.
        ParkMessage p when state.Parked.Any(a => Same(a.Message, p.Message)) => [],
        ParkMessage { Message: IngestOrder o } p => [new OrderParked(o, p.At, p.SourceRecord)],
        ReleaseParked r when r.UpToVersion > state.ReleasedUpTo => [new ParkedReleased(r.UpToVersion, r.At)],
        ReleaseParked => [],
        _ => throw new InvalidOperationException($"Cannot park {command.GetType().Name}."),
    };

    private static bool Same(ITicketCommand parked, ITicketCommand incoming) => (parked, incoming) is (IngestOrder a, IngestOrder b) && a.Order == b.Order;

    private static ParkedMessages Evolve(ParkedMessages state, object @event)
    {
        var version = state.Version + 1;
        return @event switch
        {
            OrderParked e => state with { Parked = state.Parked.Add((version, e.Order, e.SourceRecord)), Version = version },
            ParkedReleased e => state with { ReleasedUpTo = e.UpToVersion, Version = version },
            _ => state with { Version = version },
        };
    }
}
