using EventSourced.Domain.Messages;

namespace EventSourced.Application.Deliveries;

/// <summary>One send to a messenger. <paramref name="DeliveryId"/> doubles as the idempotency key: a retry of the same delivery is the same send.</summary>
public sealed record OutgoingMessage(Guid DeliveryId, Channel Channel, string Address, string Text);

/// <summary>How a send ended, as far as retrying is concerned.</summary>
public abstract record SendOutcome
{
    private SendOutcome()
    {
    }

    /// <summary>The messenger took the message.</summary>
    public sealed record Sent(string? ProviderMessageId) : SendOutcome;

    /// <summary>Worth trying again: a time-out, a 5xx, a 429 (with the wait it asked for, if any).</summary>
    public sealed record Transient(string Error, TimeSpan? RetryAfter) : SendOutcome;

    /// <summary>Trying again cannot help: an unknown chat, a refused token, a malformed request.</summary>
    public sealed record Permanent(string Error) : SendOutcome;
}

/// <summary>The port to one messenger's API; adapters live in Infrastructure.</summary>
public interface IMessengerGateway
{
    Channel Channel { get; }

    /// <summary>Never throws for what the messenger answers or for network failures: those are outcomes.</summary>
    Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct);
}
