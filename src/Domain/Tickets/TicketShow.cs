using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

/// <summary>A show as last reported by the seller.</summary>
public sealed record TicketShow(ShowInfo? Last)
{
    public static readonly Decider<IngestTicketEvent, ShowSynced, TicketShow> Decider = new(Decide, (_, e) => new TicketShow(e.Show), new TicketShow((ShowInfo?)null));

    public static string StreamId(string eventId) => $"ticketevent-{eventId}";

    // A redelivered or unchanged record changes nothing.
    private static IReadOnlyList<ShowSynced> Decide(IngestTicketEvent i, TicketShow show) => show.Last == i.Show ? [] : [new ShowSynced(i.Show, i.Source, i.At)];
}
