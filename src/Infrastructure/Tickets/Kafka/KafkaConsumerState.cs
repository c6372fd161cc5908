using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>
/// How the consumer of the seller's topics stands, for readiness and the meters
/// `eventsourced.kafka.consumer.lag` (records behind, by topic and partition) and
/// `eventsourced.ingest.dead_letters`: updated by the consumer after every poll.
/// </summary>
public sealed class KafkaConsumerState : IDisposable
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _lag = new();
    private readonly Meter _meter = new(Application.Telemetry.Name);

    public KafkaConsumerState()
    {
        _meter.CreateObservableGauge("eventsourced.kafka.consumer.lag", () => _lag.Select(l => new Measurement<long>(
            l.Value, new KeyValuePair<string, object?>("topic", l.Key.Topic), new KeyValuePair<string, object?>("partition", l.Key.Partition))), "{record}", "Records of an assigned partition not yet applied");
        _meter.CreateObservableGauge("eventsourced.ingest.dead_letters", () => DeadLetters, "{record}", "The seller's records kept as dead letters");
    }

    /// <summary>Why the consumer stopped, or null while it runs.</summary>
    public string? Stopped { get; set; }

    public long DeadLetters { get; set; }

    public IReadOnlyDictionary<(string Topic, int Partition), long> Lag => _lag;

    public void Assigned(IEnumerable<(string Topic, int Partition, long Lag)> partitions)
    {
        _lag.Clear();
        foreach (var (topic, partition, lag) in partitions)
        {
            _lag[(topic, partition)] = lag;
        }
    }

    public void Dispose() => _meter.Dispose();
}
