namespace EventSourced.Projections.Runner;

public enum PoisonEventPolicy
{
    /// <summary>Park the event in the dead-letter table and go on with the next.</summary>
    Skip,

    /// <summary>Park the event and stop the projection until an operator resets it.</summary>
    Stop,
}

/// <summary>Runner settings (section Projections).</summary>
public sealed class ProjectionOptions
{
    public int BatchSize { get; set; } = 2000;

    /// <summary>Attempts at an event whose handler throws, before it is parked.</summary>
    public int MaxAttempts { get; set; } = 3;

    public PoisonEventPolicy OnPoisonEvent { get; set; } = PoisonEventPolicy.Skip;

    /// <summary>How often a standby node tries to take over a projection.</summary>
    public TimeSpan StandbyRetry { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a query given ?minPosition= waits for its projection before answering 503.</summary>
    public TimeSpan ReadYourWritesTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
