using EventSourced.Application.EventStore;

namespace EventSourced.Application.Commands;

/// <summary>
/// An append whose answer never came: the store went away while it was made, so it may be stored
/// or not (a failover can keep a commit whose answer the old primary never sent). Deciding again
/// would decide on a state without it, if it was stored, and leave undone what the first decision
/// began. <see cref="AppendAgainAsync"/> makes the very same append instead (the same event ids
/// and content at the same expected version), which settles it either way: the store stores it
/// now, or finds it stored and answers as it would have the first time. It counts as the store
/// being away (<see cref="StoreUnavailable"/>), which it wraps.
/// </summary>
public sealed class AppendOutcomeUnknownException(string streamId, Func<CancellationToken, Task> appendAgain, Exception storeAway)
    : Exception($"Whether the append to '{streamId}' was stored is unknown: {storeAway.Message}", storeAway)
{
    /// <summary>
    /// The same append again. Fails with <see cref="WrongExpectedVersionException"/> if it was
    /// not stored and the stream moved on meanwhile (then decide again), or as the first did while
    /// the store is still away.
    /// </summary>
    public Func<CancellationToken, Task> AppendAgainAsync { get; } = appendAgain;
}
