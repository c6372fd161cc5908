namespace EventSourced.Application.EventStore;

/// <summary>An event about to be appended: its id (the idempotency key), stable type name, JSON body and metadata.</summary>
public sealed record EventData(Guid EventId, string Type, string Data, EventMetadata Metadata);

/// <summary>Who caused an event, in answer to what, and how it was encoded.</summary>
public sealed record EventMetadata(
    string? CorrelationId = null,
    string? CausationId = null,
    string? Actor = null,
    string SchemaVersion = "1",
    IReadOnlyDictionary<string, string>? Headers = null)
{
    public static EventMetadata Empty { get; } = new();
}
