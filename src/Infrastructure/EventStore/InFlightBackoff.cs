namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Waits between reads while committed events sit behind an older transaction still in flight.
/// Nothing signals that transaction's end (it may roll back, or not be an append at all), so
/// readers look again, first almost at once, then less often.
/// </summary>
internal sealed class InFlightBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromMilliseconds(50);
    private TimeSpan _next = First;

    public async Task WaitAsync(CancellationToken ct)
    {
        await Task.Delay(_next, ct);
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Max.Ticks));
    }

    public void Reset() => _next = First;
}
