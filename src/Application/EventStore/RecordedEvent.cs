namespace EventSourced.Application.EventStore;

/// <summary>An event as stored: where it sits in its stream and in the global log, and when it was written.</summary>
public sealed record RecordedEvent(
    Guid EventId,
    string StreamId,
    long StreamVersion,
    long Position,
    string Type,
    string Data,
    EventMetadata Metadata,
    DateTimeOffset Timestamp)
{
    /// <summary>The stream's category: the part of its id before the first '-'.</summary>
    public string Category => StreamCategory.Of(StreamId);
}

public static class StreamCategory
{
    public static string Of(string streamId)
    {
        var dash = streamId.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? streamId : streamId[..dash];
    }
}
