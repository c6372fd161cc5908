namespace EventSourced.Infrastructure.Idempotency;

/// <summary>How long first responses to Idempotency-Key requests are kept (section "Idempotency").</summary>
public sealed class IdempotencyOptions
{
    /// <summary>
    /// A day, as Stripe keeps its keys: long past any client's retries. A retry after that runs
    /// again and finds its work done through the ids derived from its key (ADR 0010); only a
    /// different request under an expired key is no longer refused.
    /// </summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each node drops the responses kept longer than <see cref="KeepFor"/> (and once as it starts).</summary>
    public TimeSpan PurgeEvery { get; set; } = TimeSpan.FromHours(1);
}
