namespace EventSourced.Application.Deliveries;

/// <summary>How deliveries are retried (section Deliveries).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Whether this node sends deliveries (the development run and delivery nodes do).</summary>
    public bool Enabled { get; set; }

    /// <summary>Attempts before a delivery that keeps failing transiently is given up (failed queue).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry waits up to this long; each further one up to twice as long.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long an attempt may take before another node counts it lost (its worker died between
    /// the attempt and its outcome) and tries again with the same idempotency key.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the schedule is looked at for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a due delivery handed to the saga may stay due before it is handed over again (the
    /// bus message was lost with a node, or its step failed past its retries).
    /// </summary>
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a messenger's acceptance of a delivery is kept beside the stream: a send handed out
    /// again within it (its outcome lost on the way to the saga) is answered from that record, not
    /// made a second time.
    /// </summary>
    public TimeSpan SendsKeptFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often every node reads the backlog of deliveries for its gauges (DeliveryBacklogGauges).</summary>
    public TimeSpan BacklogReadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Saga steps taken at once on this node, and steps' sends in flight at once (each step's attempts together).</summary>
    public int Concurrency { get; set; } = 32;
}
