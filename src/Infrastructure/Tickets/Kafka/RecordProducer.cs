using Confluent.Kafka;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>Sends records to a topic as the seller's producer does: keyed by entity id, with the contract's headers, acknowledged by all replicas.</summary>
public static class RecordProducer
{
    /// <summary>Where to send: the given address, else Kafka:BootstrapServers, else the address a running embedded cluster wrote.</summary>
    public static string? BootstrapServers(KafkaOptions options, string? given) =>
        !string.IsNullOrWhiteSpace(given) ? given
        : !string.IsNullOrWhiteSpace(options.BootstrapServers) ? options.BootstrapServers
        : File.Exists(options.EmbeddedAddressFile) ? File.ReadAllText(options.EmbeddedAddressFile).Trim()
        : null;

    /// <summary>Sends the records, kept in order by the idempotent producer, and waits for every acknowledgement.</summary>
    /// <returns>How many were acknowledged, and the first refusal (unreachable brokers, an unknown topic) if any was not.</returns>
    public static async Task<(int Sent, Exception? Failure)> SendAsync(ClientConfig client, string topic, IReadOnlyList<RecordToSend> records, TimeSpan timeout, CancellationToken ct)
    {
        var config = new ProducerConfig(client) { Acks = Acks.All, EnableIdempotence = true, MessageTimeoutMs = (int)timeout.TotalMilliseconds };
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        var deliveries = records.Select(record => producer.ProduceAsync(topic, new Message<string, byte[]> { Key = record.Key, Value = record.Value, Headers = Headers(record) }, ct)).ToList();
        try
        {
            await Task.WhenAll(deliveries);
            return (deliveries.Count, null);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            return (deliveries.Count(d => d.IsCompletedSuccessfully), deliveries.First(d => d.IsFaulted).Exception!.InnerException);
        }
    }

    private static Headers Headers(RecordToSend record)
    {
        var headers = new Headers();
        foreach (var (name, value) in record.Headers)
        {
            headers.Add(name, System.Text.Encoding.UTF8.GetBytes(value));
        }

        return headers;
    }
}
