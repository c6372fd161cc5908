using System.Runtime.CompilerServices;
using EventSourced.Application.EventStore;

namespace EventSourced.Infrastructure.EventStore;

public sealed partial class PostgresEventStore
{
    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var checkpoint = afterPosition;
        var backoff = new InFlightBackoff();
        Task<AllEventsPage>? ahead = null;
        Task aheadPulse = Task.CompletedTask;
        var sinceRead = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                // The pulse is taken before its read starts, so an append committed meanwhile still wakes us.
                var appended = ahead is null ? notifications.Signal.NextPulse(filter) : aheadPulse;
                if (ahead is null)
                {
                    await Task.Delay(options.LiveReadInterval - sinceRead.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero, ct);
                    sinceRead.Restart();
                }

                var page = await (ahead ?? ReadAllPageAsync(checkpoint, options.SubscriptionBatchSize, filter, ct));
                ahead = null;
                var full = page.Events.Count == options.SubscriptionBatchSize;
                if (full)
                {
                    // Catching up: read the next page while the consumer works on this one.
                    aheadPulse = notifications.Signal.NextPulse(filter);
                    ahead = ReadAllPageAsync(page.Events[^1].Position, options.SubscriptionBatchSize, filter, ct);
                }

                foreach (var recorded in page.Events)
                {
                    yield return recorded;
                    checkpoint = recorded.Position;
                }

                if (full)
                {
                    continue;
                }

                // A filtered subscription skips the events it does not match, up to the horizon.
                checkpoint = Math.Max(checkpoint, page.LastPosition);

                if (page.IsEnd)
                {
                    // Caught up: sleep until an append is signalled, polling now and then in case a
                    // notification was lost.
                    backoff.Reset();
                    await WaitForAppendAsync(appended, ct);
                }
                else
                {
                    // Committed events wait behind an older transaction still in flight. Its end is
                    // not signalled (it may roll back, or not be an append at all), so look again
                    // soon: at once after a page that made progress, less often while none does.
                    if (page.Events.Count > 0)
                    {
                        backoff.Reset();
                    }

                    await backoff.WaitAsync(ct);
                }
            }
        }
        finally
        {
            // A consumer that stops early leaves a read in flight: let it end before its connection goes back.
            if (ahead is not null)
            {
                await ahead.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Until the next append is signalled, or the poll interval passes; the poll timer ends with the wait.</summary>
    private async Task WaitForAppendAsync(Task appended, CancellationToken ct)
    {
        try
        {
            await appended.WaitAsync(options.PollInterval, ct);
        }
        catch (TimeoutException)
        {
            // Time to poll: a notification may have been lost.
        }
    }
}
