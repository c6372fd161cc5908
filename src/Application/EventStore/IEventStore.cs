namespace EventSourced.Application.EventStore;

/// <summary>
/// The event store port. Streams are ordered by version (0-based); all events are ordered by a
/// global position that only grows and is never reused. Appends are atomic and idempotent by event id.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends <paramref name="events"/> atomically if the stream matches <paramref name="expected"/>.
    /// Re-appending the same event ids returns the first result and stores nothing.
    /// </summary>
    /// <exception cref="WrongExpectedVersionException">The stream is at another version.</exception>
    /// <exception cref="EventIdReusedException">An event id was used before for other content.</exception>
    Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default);

    /// <summary>Reads a stream from <paramref name="fromVersion"/> (inclusive) in either direction, after applying its metadata.</summary>
    Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount, CancellationToken ct = default);

    /// <summary>Reads $all forward after <paramref name="afterPosition"/> (exclusive); never skips an event that commits later.</summary>
    Task<AllEventsPage> ReadAllAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct = default);

    /// <summary>
    /// Where a subscription starts to see what comes from now on: nothing at or before it can still
    /// commit, so nothing that comes later is missed. It errs early while older transactions are in
    /// flight, so such a subscription may also deliver a few events from just before.
    /// </summary>
    Task<long> LastPositionAsync(CancellationToken ct = default);

    /// <summary>Every event written with this correlation id, in position order.</summary>
    Task<IReadOnlyList<RecordedEvent>> ReadByCorrelationIdAsync(string correlationId, int maxCount, CancellationToken ct = default);

    /// <summary>Catches up from <paramref name="afterPosition"/>, then delivers new events live, each exactly once and in position order.</summary>
    IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, CancellationToken ct = default);

    Task SetStreamMetadataAsync(string streamId, StreamMetadata metadata, CancellationToken ct = default);

    Task<StreamMetadata> GetStreamMetadataAsync(string streamId, CancellationToken ct = default);

    /// <summary>Hides every current event of the stream from stream reads; a later append continues its version numbering.</summary>
    Task SoftDeleteAsync(string streamId, CancellationToken ct = default);
}
