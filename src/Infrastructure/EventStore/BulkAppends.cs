namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Marks the appends of a flow as bulk: many at once, where throughput counts and no one waits on
/// any single one (the Kafka ingest). They commit through committers of their own, fewer than
/// the interactive appends', so that what arrives while those are busy forms larger groups
/// (ADR 0020). An ambient mark, as a TransactionScope is, so that the command handler and the
/// stores between the consumer and the event store need not carry it.
/// </summary>
internal static class BulkAppends
{
    private static readonly AsyncLocal<bool> Marked = new();

    /// <summary>Whether appends made here are bulk.</summary>
    public static bool InFlow => Marked.Value;

    /// <summary>
    /// Marks the rest of the calling async method, and what it calls, as bulk. An async method's
    /// changes to the mark stay in it: its caller does not see them.
    /// </summary>
    public static void MarkThisFlow() => Marked.Value = true;
}
