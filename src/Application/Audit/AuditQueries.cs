using EventSourced.Application.EventStore;

namespace EventSourced.Application.Audit;

/// <summary>What an operator asks of $all: null fields match everything.</summary>
public sealed record AuditFilter(string? Type, DateTimeOffset? From, DateTimeOffset? To, string? CorrelationId, string? Actor);

/// <summary>Matching events, and the position to continue after (null at the end of $all).</summary>
public sealed record AuditPage(IReadOnlyList<RecordedEvent> Events, long? Next);

/// <summary>
/// The replayable audit: $all read page by page with a cursor. A query scans a bounded stretch of
/// the log per call, so an expensive filter answers with fewer events and a cursor rather than a
/// time-out; correlation ids have their own index and are read directly.
/// </summary>
public sealed class AuditQueries(IEventStore store, EventTypeRegistry registry)
{
    private const int ScanPage = 500;
    private const int MaxScannedPerCall = 20_000;

    public async Task<AuditPage> SearchAsync(AuditFilter filter, long after, int count, CancellationToken ct)
    {
        if (filter.CorrelationId is not null)
        {
            var correlated = (await store.ReadByCorrelationIdAsync(filter.CorrelationId, int.MaxValue, ct))
                .Where(e => e.Position > after && Matches(e, filter)).Take(count + 1).ToList();
            return correlated.Count > count ? new AuditPage(correlated[..count], correlated[count - 1].Position) : new AuditPage(correlated, null);
        }

        var matched = new List<RecordedEvent>();
        var types = filter.Type is null ? EventFilter.All : EventFilter.ForTypes(filter.Type);
        var scanned = 0;
        while (scanned < MaxScannedPerCall)
        {
            var page = await store.ReadAllAsync(after, ScanPage, types, ct);
            scanned += page.Events.Count;
            foreach (var e in page.Events)
            {
                after = e.Position;
                if (Matches(e, filter))
                {
                    matched.Add(e);
                    if (matched.Count == count)
                    {
                        return new AuditPage(matched, after);
                    }
                }
            }

            if (page.IsEnd && page.Events.Count < ScanPage)
            {
                return new AuditPage(matched, null);
            }
        }

        return new AuditPage(matched, after);
    }

    /// <summary>
    /// Why a search by <paramref name="type"/> would find nothing for certain: no such type is
    /// written by this build nor stored (a newer build's types are stored, so they are searched).
    /// A misspelt type would otherwise answer with an empty page, which reads as "it never happened".
    /// </summary>
    public async Task<string?> UnknownTypeAsync(string? type, CancellationToken ct)
    {
        if (type is null || registry.Registered.ContainsKey(type) || (await store.ReadAllAsync(0, 1, EventFilter.ForTypes(type), ct)).Events.Count > 0)
        {
            return null;
        }

        return $"No event of type '{type}' is stored. The types are: {string.Join(", ", registry.Registered.Keys.Order(StringComparer.Ordinal))}.";
    }

    private static bool Matches(RecordedEvent e, AuditFilter filter) =>
        (filter.From is null || e.Timestamp >= filter.From) &&
        (filter.To is null || e.Timestamp < filter.To) &&
        (filter.Type is null || e.Type == filter.Type) &&
        (filter.Actor is null || e.Metadata.Actor == filter.Actor);
}
