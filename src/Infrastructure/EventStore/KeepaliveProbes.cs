namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// TCP keepalive probes that find a silent peer gone by a time-out of whole seconds: the first
/// after a third of it idle, then every sixth, the last one due at the time-out.
/// </summary>
public readonly record struct KeepaliveProbes(int Seconds, int Idle, int Interval, int Count)
{
    /// <summary>Null for a zero (or negative) time-out: the system's settings stay.</summary>
    public static KeepaliveProbes? For(TimeSpan timeout)
    {
        var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        if (seconds <= 0)
        {
            return null;
        }

        var idle = Math.Max(1, seconds / 3);
        var interval = Math.Max(1, seconds / 6);
        return new KeepaliveProbes(seconds, idle, interval, Math.Max(1, (seconds - idle) / interval));
    }
}
