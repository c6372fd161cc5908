namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Wakes live subscriptions in this process when events were appended, here or (through
/// PostgreSQL notifications) on another node. Waiters take the task before they read, so a
/// pulse between their read and their wait is never missed.
/// </summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _next = NewSource();

    public Task NextPulse => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
