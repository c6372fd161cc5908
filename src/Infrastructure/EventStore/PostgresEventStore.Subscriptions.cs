using System.Runtime.CompilerServices;
using EventSourced.Application.EventStore;

namespace EventSourced.Infrastructure.EventStore;

public sealed partial class PostgresEventStore
{
    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var checkpoint = afterPosition;
        var backoff = new InFlightBackoff();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var appended = notifications.Signal.NextPulse;
            var page = await ReadAllPageAsync(checkpoint, options.SubscriptionBatchSize, filter, ct);
            foreach (var recorded in page.Events)
            {
                yield return recorded;
                checkpoint = recorded.Position;
            }

            if (page.Events.Count == options.SubscriptionBatchSize)
            {
                continue;
            }

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
                // not signalled (it may roll back, or not be an append at all), so look again soon.
                await backoff.WaitAsync(ct);
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
