using EventSourced.Application.Deliveries;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.Projections.Deliveries;

/// <summary>
/// Looks at the delivery schedule every poll interval and takes a step for each due delivery. The
/// schedule is only a hint: each step re-reads the message stream and decides there (see
/// <see cref="DeliveryAttempts"/>), so several nodes may poll the same schedule safely.
/// </summary>
public sealed partial class DeliveryScheduler(
    DeliveryScheduleQueries schedule, DeliveryAttempts attempts, DeliveryOptions options, TimeProvider clock, ILogger<DeliveryScheduler> logger) : BackgroundService
{
    // Steps running on this node, by message: none is started twice, and stopping waits for them.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, TaskCompletionSource> _inFlight = new();
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
                foreach (var message in due.GroupBy(d => d.MessageId))
                {
                    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (_inFlight.TryAdd(message.Key, done))
                    {
                        // Not awaited: the next poll looks for more while these send.
                        _ = StepAsync(message.Key, [.. message.Select(d => d.DeliveryId)], done, stoppingToken);
                    }
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

    /// <summary>Stops polling, then lets the sends in flight finish and record their outcomes (within the host's shutdown time).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(_inFlight.Values.Select(s => s.Task)).WaitAsync(cancellationToken);
    }

    private async Task StepAsync(Guid messageId, Guid[] deliveryIds, TaskCompletionSource done, CancellationToken stopping)
    {
        try
        {
            // Waiting for a slot ends with the host; a step once begun is not cut off mid-send.
            await _slots.WaitAsync(stopping);
            try
            {
                await attempts.RunAsync(messageId, deliveryIds, CancellationToken.None);
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
            done.SetResult();
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
