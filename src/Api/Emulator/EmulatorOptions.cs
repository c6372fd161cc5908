namespace EventSourced.Api.Emulator;

/// <summary>How one emulated endpoint behaves (section Emulator:{Telegram|WhatsApp|Viber|Tracker|LoadTest}).</summary>
public sealed class EmulatedEndpointOptions
{
    /// <summary>Share of requests answered 503, at random (0 to 1).</summary>
    public double FailureRate { get; set; }

    /// <summary>Each idempotency key's first N requests are answered 503; later ones succeed. Makes retries testable.</summary>
    public int FailuresBeforeSuccess { get; set; }

    public int LatencyMilliseconds { get; set; }
}

/// <summary>The messenger emulator: the outside world for a newcomer's run and for the tests. Viber always fails, as in the seed.</summary>
public sealed class EmulatorOptions
{
    public bool Enabled { get; set; }

    public EmulatedEndpointOptions Telegram { get; set; } = new();

    public EmulatedEndpointOptions WhatsApp { get; set; } = new();

    public EmulatedEndpointOptions Viber { get; set; } = new() { FailureRate = 1 };

    public EmulatedEndpointOptions Tracker { get; set; } = new();

    public EmulatedEndpointOptions LoadTest { get; set; } = new();
}
