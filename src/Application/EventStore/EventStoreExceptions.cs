namespace EventSourced.Application.EventStore;

/// <summary>The stream was not at the version the writer expected; nothing was appended.</summary>
public sealed class WrongExpectedVersionException(string streamId, ExpectedVersion expected, long actualVersion)
    : Exception($"Stream '{streamId}' is at version {actualVersion}, expected {expected}.")
{
    public string StreamId { get; } = streamId;

    public ExpectedVersion Expected { get; } = expected;

    /// <summary>The stream's current version; -1 when it has no events.</summary>
    public long ActualVersion { get; } = actualVersion;
}

/// <summary>An event id was appended before with other content or elsewhere; ids are idempotency keys and cannot be reused.</summary>
public sealed class EventIdReusedException(string streamId, Guid eventId)
    : Exception($"Event id {eventId} was already used with different content or in another stream than '{streamId}'.")
{
    public string StreamId { get; } = streamId;

    public Guid EventId { get; } = eventId;
}
