using EventSourced.Domain.Tickets;

namespace EventSourced.Application.Tickets;

public enum TicketMessageKind
{
    Events,
    Orders,
    Refunds,
}

/// <summary>What a Kafka record carries besides its body: key (the entity id) and headers.</summary>
public sealed record TicketEnvelope(string Key, string ContentType, string SchemaVersion, string ApplicationId, DateTimeOffset ReceivedAt);

/// <summary>Turns a record body (JSON or protobuf) into the command it asks for.</summary>
public interface ITicketMessageDecoder
{
    /// <exception cref="UndecodableMessageException">The body or a header is not a valid message of this kind.</exception>
    /// <exception cref="UnsupportedContentTypeException">The content type is neither JSON nor protobuf.</exception>
    ITicketCommand Decode(TicketMessageKind kind, TicketEnvelope envelope, ReadOnlyMemory<byte> body);
}

public sealed class UndecodableMessageException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

public sealed class UnsupportedContentTypeException(string contentType)
    : Exception($"Content type '{contentType}' is not supported; use application/json or application/x-protobuf.");
