using System.Collections.Concurrent;

namespace EventSourced.Application.Commands;

/// <summary>
/// Stream states as this node last folded or decided them, with their versions, so that a command
/// reads only the events since. States are immutable, so one can be shared. Only a starting
/// point: every load checks the stream from the remembered version on. Bounded by forgetting
/// everything when full (found at most <see cref="CheckEvery"/> states late).
/// </summary>
public sealed class FoldedStates
{
    private const int Capacity = 20_000;

    // How often the size is checked: ConcurrentDictionary.Count takes every lock of the table, and
    // taken on each remember by many concurrent writers it was a tenth of a busy node's CPU samples.
    private const int CheckEvery = 1_024;
    private readonly ConcurrentDictionary<(string Stream, Type State), (object State, long Version)> _states = new();
    private int _remembered;

    /// <summary>Forgets every state: a subject's key was destroyed, and states folded before hold its data in clear.</summary>
    public void Clear() => _states.Clear();

    public (TState State, long Version)? Recall<TState>(string streamId) =>
        _states.TryGetValue((streamId, typeof(TState)), out var known) ? ((TState)known.State, known.Version) : null;

    public (TState State, long Version) Remember<TState>(string streamId, (TState State, long Version) folded)
    {
        if (folded.Version < 0 || folded.State is null)
        {
            return folded;
        }

        if (Interlocked.Increment(ref _remembered) % CheckEvery == 0 && _states.Count >= Capacity)
        {
            _states.Clear();
        }

        _states.AddOrUpdate((streamId, typeof(TState)), (folded.State, folded.Version), (_, old) => old.Version > folded.Version ? old : (folded.State, folded.Version));
        return folded;
    }
}
