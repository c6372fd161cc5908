using EventSourced.Application.EventStore;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Wakes live subscriptions in this process when events were appended, here or (through
/// PostgreSQL notifications) on another node. Waiters take the task before they read, so a
/// pulse between their read and their wait is never missed.
/// A waiter waits for its filter: an append here of events the filter skips does not wake it.
/// Under a steady ingest of tickets, the contacts' or the chats' subscriptions would otherwise
/// read $all at every append, for nothing. Another node's notification does not say what was
/// appended, so it wakes every waiter.
/// </summary>
public sealed class AppendSignal
{
    private readonly Lock _lock = new();

    // One waiting task per filter (keyed by what it matches), let go when it is pulsed: the table
    // holds the filters of the subscriptions waiting now, however many come and go.
    private readonly Dictionary<string, (EventFilter Filter, TaskCompletionSource Source)> _waiting = new(StringComparer.Ordinal);

    /// <summary>Completes at the next append of an event <paramref name="filter"/> matches.</summary>
    public Task NextPulse(EventFilter filter)
    {
        var key = KeyOf(filter);
        lock (_lock)
        {
            if (!_waiting.TryGetValue(key, out var waiting))
            {
                waiting = (filter, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                _waiting[key] = waiting;
            }

            return waiting.Source.Task;
        }
    }

    /// <summary>Events of any stream or type may have been appended.</summary>
    public void Pulse() => Release(_ => true);

    /// <summary>These streams' events of these types were appended.</summary>
    public void Pulse(IReadOnlyCollection<(string StreamId, string Type)> appended)
    {
        var categories = appended.Select(a => CategoryOf(a.StreamId)).ToHashSet(StringComparer.Ordinal);
        var types = appended.Select(a => a.Type).ToHashSet(StringComparer.Ordinal);
        Release(filter => filter switch
        {
            { Categories: { } wanted } => wanted.Any(categories.Contains),
            { EventTypes: { } wanted } => wanted.Any(types.Contains),
            _ => true,
        });
    }

    /// <summary>A stream's category as the store's reads take it: the stream id up to its first '-'.</summary>
    private static string CategoryOf(string streamId) => streamId.IndexOf('-', StringComparison.Ordinal) is var dash and >= 0 ? streamId[..dash] : streamId;

    private void Release(Func<EventFilter, bool> wakes)
    {
        List<TaskCompletionSource> released = [];
        lock (_lock)
        {
            foreach (var (key, waiting) in _waiting)
            {
                if (wakes(waiting.Filter))
                {
                    released.Add(waiting.Source);
                    _waiting.Remove(key);
                }
            }
        }

        released.ForEach(source => source.TrySetResult());
    }

    // Categories are read before types, as the store's reads do; the sealed flag does not change what is read.
    private static string KeyOf(EventFilter filter) => filter switch
    {
        { Categories: { } categories } => "category:" + string.Join('\n', categories),
        { EventTypes: { } types } => "type:" + string.Join('\n', types),
        _ => "all",
    };
}
