using EventSourced.Application.Commands;
using EventSourced.Application.Tickets;
using EventSourced.Domain.Deciding;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>One record of the seller's topics, as a consumer received it or a dead letter kept it.</summary>
public sealed record TicketRecord(string Topic, int Partition, long Offset, string? Key, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset Timestamp)
{
    /// <summary>Where the record stands in Kafka: the seed of its events' ids, and its correlation id.</summary>
    public string Source => $"kafka:{Topic}/{Partition}/{Offset}";
}

/// <summary>A record that cannot be applied as it is: it becomes a dead letter with this reason.</summary>
public sealed class UnappliableRecordException(string reason, Exception inner) : Exception(reason, inner);

/// <summary>
/// Applies one record of the seller's topics: headers to envelope, the contract's decoder, the
/// ticket ingestion. The events' ids derive from the record's place in Kafka and its timestamp
/// is their time, so the same record applied again decides and appends nothing new.
/// </summary>
public sealed class TicketRecords(ITicketMessageDecoder decoder, TicketIngestion ingestion, KafkaOptions options)
{
    /// <exception cref="UnappliableRecordException">Undecodable, a header missing, another major version, a rule broken.</exception>
    public async Task<IngestOutcome> ApplyAsync(TicketRecord record, CancellationToken ct)
    {
        try
        {
            var envelope = new TicketEnvelope(record.Key ?? "", Header(record, "content-type"), Header(record, "schema-version"), Header(record, "application-id"), record.Timestamp);
            var command = decoder.Decode(KindOf(record.Topic), envelope, record.Body);
            return await ingestion.IngestAsync(command, new CommandContext($"kafka:{envelope.ApplicationId}", record.Source, null, record.Source), ct);
        }
        catch (Exception e) when (e is UndecodableMessageException or UnsupportedContentTypeException or DomainException)
        {
            throw new UnappliableRecordException(e.Message, e);
        }
    }

    private TicketMessageKind KindOf(string topic) =>
        topic == options.Topics.Events ? TicketMessageKind.Events
        : topic == options.Topics.Orders ? TicketMessageKind.Orders
        : topic == options.Topics.Refunds ? TicketMessageKind.Refunds
        : throw new UndecodableMessageException("topic", $"Topic {topic} is not one of the seller's.");

    private static string Header(TicketRecord record, string name) =>
        record.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } value
            ? value
            : throw new UndecodableMessageException(name, $"The {name} header is required.");
}
