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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> _inFlight = new();
    private readonly SemaphoreSlim _slots = new(options.Concurrency);

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
                var due = await schedule.DueAsync(clock.GetUtcNow(), options.Concurrency * 50, stoppingToken);
                var attempts = services.GetRequiredService<DeliveryAttempts>();
                var byMessage = due.GroupBy(d => d.MessageId).Where(m => _inFlight.TryAdd(m.Key, true)).ToList();
                foreach (var message in byMessage)
                {
                    // Not awaited: the next poll looks for more while these send. The in-flight set keeps
                    // this node from starting a message twice while the schedule catches up.
                    _ = StepAsync(attempts, message.Key, [.. message.Select(d => d.DeliveryId)], stoppingToken);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The schedule may not exist yet (first start) or the database may be away: look again soon.
                LogPollFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task StepAsync(DeliveryAttempts attempts, Guid messageId, Guid[] deliveryIds, CancellationToken ct)
    {
        try
        {
            await _slots.WaitAsync(ct);
            try
            {
                await attempts.RunAsync(messageId, deliveryIds, ct);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // These deliveries stay due and are looked at again; the others go on.
            LogStepFailed(logger, e, messageId);
        }
        catch (OperationCanceledException)
        {
            // Stopping: whatever was decided is in the stream; the rest is taken up after a restart.
        }
        finally
        {
            _inFlight.TryRemove(messageId, out _);
        }
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deliveries of message {MessageId} could not take their step; they are tried again")]
    private static partial void LogStepFailed(ILogger logger, Exception e, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The delivery schedule could not be read; looking again soon")]
    private static partial void LogPollFailed(ILogger logger, Exception e);
}
