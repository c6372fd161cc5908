using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

/// <summary>A show as last reported by the seller.</summary>
public sealed record TicketShow(TicketEventRecorded? Last)
{
    public static readonly Decider<IngestTicketEvent, TicketEventRecorded, TicketShow> Decider = new(Decide, (_, e) => new TicketShow(e), new TicketShow((TicketEventRecorded?)null));

    public static string StreamId(string eventId) => $"ticketevent-{eventId}";

    // A redelivered or unchanged record changes nothing.
    private static IReadOnlyList<TicketEventRecorded> Decide(IngestTicketEvent i, TicketShow show) =>
        show.Last is { } last && last.Title == i.Title && last.Venue == i.Venue && last.Start == i.Start && last.Status == i.Status
            ? []
            : [new TicketEventRecorded(i.EventId, i.Title, i.Venue, i.Start, i.Status, i.Source, i.At)];
}
