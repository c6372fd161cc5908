using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EventSourced.Application;

/// <summary>
/// The product's own meters and traces (BCL types; the Api host exports them with OpenTelemetry).
/// Tags are low-cardinality on purpose: stream categories, projection names, channels, outcomes.
/// </summary>
public static class Telemetry
{
    public const string Name = "EventSourced";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> EventsAppended = Meter.CreateCounter<long>("eventsourced.events.appended", "{event}", "Events appended by commands, by stream category");

    public static readonly Histogram<double> CommandDuration = Meter.CreateHistogram<double>("eventsourced.command.duration", "ms", "Load, decide and append of one command");

    public static readonly Histogram<double> ProjectionLag = Meter.CreateHistogram<double>("eventsourced.projection.lag", "ms", "From an event's append to its projection's commit");

    // What to alert on: each is a read model missing an event until an operator replays or discards it.
    public static readonly Counter<long> EventsParked = Meter.CreateCounter<long>("eventsourced.projection.events_parked", "{event}", "Events a projection could not apply and parked as dead letters");

    // What to alert on too: a reactor failing again and again holds back chats' hand-overs or deploy notifications (ADR 0038).
    public static readonly Counter<long> ReactorFailures = Meter.CreateCounter<long>("eventsourced.reactor.failures", "{failure}", "Tries of a reactor that failed, by reactor");

    // A snapshot passed over means a stream folded from its first event: a slow first command.
    public static readonly Counter<long> SnapshotReads = Meter.CreateCounter<long>("eventsourced.snapshot.reads", "{snapshot}", "Snapshots read by a node holding no state, by stream category and outcome (used, passed_over)");

    public static readonly Counter<long> DeliveryAttempts = Meter.CreateCounter<long>("eventsourced.delivery.attempts", "{attempt}", "Delivery attempts by channel and outcome");
}
