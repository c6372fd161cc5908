namespace EventSourced.Application.Deliveries;

/// <summary>Exponential backoff with full jitter (AWS's "full jitter"), never shorter than a Retry-After the messenger asked for.</summary>
public static class RetryDelay
{
    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="jitter">A number in [0, 1); Random.Shared.NextDouble() in production.</param>
    public static TimeSpan After(int attempt, TimeSpan? retryAfter, DeliveryOptions options, double jitter)
    {
        var ceiling = Math.Min(options.MaxDelay.TotalMilliseconds, options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        var delay = TimeSpan.FromMilliseconds(ceiling * jitter);
        return retryAfter is { } asked && asked > delay ? asked : delay;
    }
}
