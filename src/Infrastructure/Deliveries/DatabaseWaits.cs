using MassTransit;
using Microsoft.Extensions.Logging;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// How a saga step that failed because its event store is away waits for it, and the warning each
/// such failure leaves. A step may carry the outcome of sends already made; dropped, the attempt
/// would be counted lost at its time-out and sent again, and the messengers keep no idempotency
/// key: that is a second message to the person.
/// </summary>
public sealed partial class DatabaseWaits(ILogger<DatabaseWaits> logger) : IRetryObserver
{
    // The quick retries every step has first (a blip, a failover's first seconds)...
    private static readonly int[] QuickMilliseconds = [10, 50, 100, 250, 500, 1000, 2000];

    // ...then waits of this long.
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(5);

    /// <summary>The waits before each retry of a step, from the quick ones up to <paramref name="attemptTimeout"/> in all: past it, the attempt is counted lost anyway.</summary>
    public static TimeSpan[] Intervals(TimeSpan attemptTimeout)
    {
        var waits = Quick().ToList();
        while (waits.Aggregate(TimeSpan.Zero, (sum, wait) => sum + wait) < attemptTimeout)
        {
            waits.Add(LongWait);
        }

        return [.. waits];
    }

    /// <summary>The quick retries alone, for a step that failed otherwise (it lost the race for its stream).</summary>
    public static TimeSpan[] Quick() => [.. QuickMilliseconds.Select(ms => TimeSpan.FromMilliseconds(ms))];

    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        if (context.Context is ConsumeContext consume && MessageOf(consume) is { } messageId)
        {
            LogWaiting(messageId, context.RetryAttempt, context.Delay, context.Exception.Message);
        }

        return Task.CompletedTask;
    }

    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task PreRetry<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryComplete<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    private static Guid? MessageOf(ConsumeContext consume) =>
        consume.TryGetMessage<DeliveriesDue>(out var due) ? due.Message.MessageId
        : consume.TryGetMessage<DeliverySendsFinished>(out var finished) ? finished.Message.MessageId
        : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deliveries of message {MessageId} wait for the database: try {Try} in {Delay} ({Error})")]
    private partial void LogWaiting(Guid messageId, int @try, TimeSpan? delay, string error);
}
