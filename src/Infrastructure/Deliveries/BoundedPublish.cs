namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Publishes that give up after <see cref="Timeout"/>. Over RabbitMQ, a publish in flight when the
/// broker goes away can wait forever (for a confirmation on a closed channel, or for the broker to
/// return), and MassTransit does not reconnect a node's consumers while a message they hold waits
/// on such a publish: seen as a node that never consumed again after a broker restart (ADR 0015).
/// What gave up is done again: the scheduler hands over again, a bus message is received again.
/// </summary>
internal static class BoundedPublish
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task WithinTimeoutAsync(Func<CancellationToken, Task> publish, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(Timeout);
        await publish(bounded.Token);
    }
}
