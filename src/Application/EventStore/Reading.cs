namespace EventSourced.Application.EventStore;

public enum ReadDirection
{
    Forward,
    Backward,
}

/// <summary>Which events of $all a read or subscription wants: those of any of the stream categories, or of any of the types; null fields match everything.</summary>
/// <param name="PersonalDataSealed">
/// True for a reader that needs none of the events' personal fields (ADR 0025): they come as
/// stored, sealed, never decrypted for it. A read model built so cannot copy them in clear, and
/// costs no decryption.
/// </param>
public sealed record EventFilter(IReadOnlyList<string>? Categories = null, IReadOnlyList<string>? EventTypes = null, bool PersonalDataSealed = false)
{
    public static EventFilter All { get; } = new();

    public static EventFilter ForCategory(params string[] categories) => new(Categories: categories);

    public static EventFilter ForTypes(params string[] types) => new(EventTypes: types);

    /// <summary>The same events, with their personal fields left sealed.</summary>
    public EventFilter Sealed() => this with { PersonalDataSealed = true };
}

/// <summary>
/// One page of $all. <see cref="IsEnd"/> is true when nothing more that the filter matches is
/// committed after the page; when it is false with a short page, newer events it matches exist but
/// wait on older transactions still in flight, and a reader should ask again shortly.
/// <see cref="LastPosition"/> is where to read on from: the last event's position, or further when
/// a filtered read skipped events it did not match.
/// </summary>
public sealed record AllEventsPage(IReadOnlyList<RecordedEvent> Events, long LastPosition, bool IsEnd);

/// <summary>Retention applied when a stream is read; null fields mean no limit.</summary>
public sealed record StreamMetadata(long? TruncateBefore = null, int? MaxCount = null, TimeSpan? MaxAge = null)
{
    public static StreamMetadata None { get; } = new();
}
