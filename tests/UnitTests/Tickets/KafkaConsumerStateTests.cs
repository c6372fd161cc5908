using System.Diagnostics.Metrics;
using EventSourced.Application;
using EventSourced.Infrastructure.Tickets.Kafka;
using FluentAssertions;

namespace EventSourced.UnitTests.Tickets;

/// <summary>What an operator's metrics backend reads of the consumer: its lag per partition and the dead letters kept.</summary>
public sealed class KafkaConsumerStateTests
{
    [Fact]
    public void The_meters_report_each_assigned_partitions_lag_and_the_dead_letter_count()
    {
        using var state = new KafkaConsumerState();
        // A topic of its own: another state alive in this process reports under the same meter.
        var topic = $"orders-{Guid.NewGuid():N}";
        state.Assigned([(topic, 0, 0L), (topic, 2, 42L)]);
        state.DeadLetters = 3;
        var lag = new List<(object? Partition, long Lag)>();
        var deadLetters = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.Name && instrument.Name.StartsWith("eventsourced.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            if (instrument.Name == "eventsourced.kafka.consumer.lag" && Equals(tagged.GetValueOrDefault("topic"), topic))
            {
                lag.Add((tagged["partition"], value));
            }
            else if (instrument.Name == "eventsourced.ingest.dead_letters")
            {
                deadLetters.Add(value);
            }
        });
        listener.Start();

        listener.RecordObservableInstruments();

        lag.Should().BeEquivalentTo([((object?)0, 0L), (2, 42L)]);
        deadLetters.Should().Contain(3);
    }
}
