using EventSourced.Application.Deliveries;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.Projections.Deliveries;

/// <summary>
/// Looks at the delivery schedule every poll interval and hands each due delivery to the
/// dispatcher (the delivery saga). The schedule is only a hint: the saga re-reads the message
/// stream and decides there, so several nodes may poll the same schedule safely, and a hand-over
/// lost with a crashed node is made again once <see cref="DeliveryOptions.RedispatchAfter"/> passes.
/// </summary>
public sealed partial class DeliveryScheduler(
    DeliveryScheduleQueries schedule, ProjectionProgress progress, IDeliveryDispatcher dispatcher, DeliveryOptions options, TimeProvider clock, ILogger<DeliveryScheduler> logger) : BackgroundService
{
    // What this node handed over, and when: the schedule shows a delivery as due until the
    // projection sees its next step, and it is not handed over again for the same due time meanwhile.
    private readonly Dictionary<Guid, (DateTimeOffset DueAt, DateTimeOffset HandedAt)> _handed = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.PollInterval, clock);
        var scheduleServes = false;
        do
        {
            try
            {
                // On a fresh store the schedule exists only once its projection first serves, and on an
                // upgrade it shows its lanes once its node has added them; until then nothing is due.
                scheduleServes = scheduleServes
                    || (await progress.ServesAsync(DeliveryScheduleProjection.StableName, stoppingToken) && await schedule.ShowsLanesAsync(stoppingToken));
                if (!scheduleServes)
                {
                    continue;
                }

                var now = clock.GetUtcNow();
                var due = await schedule.DueAsync(now, options.Concurrency * 50, stoppingToken);
                var fresh = due.Where(d => !_handed.TryGetValue(d.DeliveryId, out var h) || h.DueAt != d.DueAt || now - h.HandedAt >= options.RedispatchAfter).ToList();
                if (fresh.Count > 0)
                {
                    await dispatcher.DispatchAsync(fresh, stoppingToken);
                    fresh.ForEach(d => _handed[d.DeliveryId] = (d.DueAt, now));
                }

                foreach (var stale in _handed.Where(h => now - h.Value.HandedAt >= options.RedispatchAfter).Select(h => h.Key).ToList())
                {
                    _handed.Remove(stale);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database or bus may be away: look again soon.
                LogPollFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due deliveries could not be read or handed over; looking again soon")]
    private static partial void LogPollFailed(ILogger logger, Exception e);
}
