using System.Diagnostics.Metrics;
using EventSourced.Application;
using EventSourced.Application.Deliveries;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.Projections.Deliveries;

/// <summary>
/// Reads the delivery backlog every <see cref="DeliveryOptions.BacklogReadInterval"/> and shows it
/// as the gauges `eventsourced.delivery.backlog` (deliveries due, held and failed, by channel) and
/// `eventsourced.delivery.oldest_due_age` (seconds the longest-waiting due delivery had waited,
/// by channel). Every node reads it, not only those that send: the age is what tells an operator
/// that nothing goes out, and it must be shown most when no delivery node is left.
/// </summary>
public sealed partial class DeliveryBacklogGauges : BackgroundService
{
    private readonly DeliveryScheduleQueries _schedule;
    private readonly ProjectionProgress _progress;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeliveryBacklogGauges> _logger;
    // The last reading; null until the schedule and the messages read model serve.
    private volatile DeliveryBacklog? _latest;

    public DeliveryBacklogGauges(
        DeliveryScheduleQueries schedule, ProjectionProgress progress, DeliveryOptions options, TimeProvider clock, IMeterFactory meters, ILogger<DeliveryBacklogGauges> logger)
    {
        (_schedule, _progress, _options, _clock, _logger) = (schedule, progress, options, clock, logger);
        // The factory owns the meter and disposes it with the host.
        var meter = meters.Create(Telemetry.Name);
        meter.CreateObservableGauge("eventsourced.delivery.backlog", ByState, "{delivery}", "Deliveries due, held behind an earlier one to their target, and failed, by channel and state, as last read");
        meter.CreateObservableGauge("eventsourced.delivery.oldest_due_age", OldestDueAges, "s", "How long the longest-waiting due delivery had waited, by channel, as last read");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.BacklogReadInterval, _clock);
        do
        {
            try
            {
                if (await _progress.ServesAsync(DeliveryScheduleProjection.StableName, stoppingToken)
                    && await _progress.ServesAsync(MessagesProjection.StableName, stoppingToken))
                {
                    _latest = await _schedule.DueAndFailedAsync(_clock.GetUtcNow(), stoppingToken);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be away: the gauges keep the last reading until it is back.
                LogReadFailed(_logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    // A delivery the messages read model does not show yet has no channel: "unknown", as on the command line.
    private IEnumerable<Measurement<int>> ByState()
    {
        foreach (var row in _latest?.Channels ?? [])
        {
            var channel = new KeyValuePair<string, object?>("channel", row.Channel ?? "unknown");
            yield return new(row.Due, channel, new("state", "due"));
            yield return new(row.Held, channel, new("state", "held"));
            yield return new(row.Failed, channel, new("state", "failed"));
        }
    }

    private IEnumerable<Measurement<double>> OldestDueAges() =>
        _latest is { } backlog
            ? backlog.Channels.Select(c => new Measurement<double>(c.OldestDueFor(backlog.AsOf).TotalSeconds, new KeyValuePair<string, object?>("channel", c.Channel ?? "unknown")))
            : [];

    [LoggerMessage(Level = LogLevel.Warning, Message = "The delivery backlog could not be read; its gauges keep the last reading")]
    private static partial void LogReadFailed(ILogger logger, Exception e);
}
