using EventSourced.Application.Deliveries;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.Projections.Deliveries;

/// <summary>
/// Looks at the delivery schedule every poll interval and takes a step for each due delivery. The
/// schedule is only a hint: each step re-reads the message stream and decides there (see
/// <see cref="DeliveryAttempts"/>), so several nodes may poll the same schedule safely.
/// </summary>
public sealed partial class DeliveryScheduler(
    DeliveryScheduleQueries schedule, IServiceProvider services, DeliveryOptions options, TimeProvider clock, ILogger<DeliveryScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.PollInterval, clock);
        do
        {
            try
            {
                var due = await schedule.DueAsync(clock.GetUtcNow(), options.Concurrency * 4, stoppingToken);
                var attempts = services.GetRequiredService<DeliveryAttempts>();
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = stoppingToken }, async (d, ct) =>
                {
                    try
                    {
                        await attempts.RunAsync(d.MessageId, d.DeliveryId, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // This delivery stays due and is looked at again; the others go on.
                        LogStepFailed(logger, e, d.DeliveryId);
                    }
                });
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The schedule may not exist yet (first start) or the database may be away: look again soon.
                LogPollFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} could not take its step; it is tried again")]
    private static partial void LogStepFailed(ILogger logger, Exception e, Guid deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The delivery schedule could not be read; looking again soon")]
    private static partial void LogPollFailed(ILogger logger, Exception e);
}
