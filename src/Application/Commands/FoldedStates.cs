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
    private long _generation;

    /// <summary>
    /// How many times every state was forgotten (<see cref="Clear"/>). Read before a stream is, and
    /// given to <see cref="Remember"/> with what was folded or decided from it.
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Forgets every state: a subject's key was destroyed, and states folded before hold its data in clear.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _states.Clear();
    }

    public (TState State, long Version)? Recall<TState>(string streamId) =>
        _states.TryGetValue((streamId, typeof(TState)), out var known) ? ((TState)known.State, known.Version) : null;

    /// <summary>
    /// Keeps a state folded or decided from what was read since <paramref name="generation"/>
    /// (<see cref="Generation"/>), unless every state was forgotten meanwhile: then it may hold a
    /// forgotten subject's data in clear, read before the key was destroyed. A command still
    /// running when the key was destroyed kept such a state after the forgetting, and every later
    /// command and read of the stream on this node showed the subject in clear (a test caught it).
    /// </summary>
    public (TState State, long Version) Remember<TState>(string streamId, (TState State, long Version) folded, long generation)
    {
        if (folded.Version < 0 || folded.State is null || Generation != generation)
        {
            return folded;
        }

        if (Interlocked.Increment(ref _remembered) % CheckEvery == 0 && _states.Count >= Capacity)
        {
            _states.Clear();
        }

        var key = (streamId, typeof(TState));
        _states.AddOrUpdate(key, (folded.State, folded.Version), (_, old) => old.Version > folded.Version ? old : (folded.State, folded.Version));
        if (Generation != generation)
        {
            // Forgotten while this was written: the clearing may have come first.
            _states.TryRemove(key, out _);
        }

        return folded;
    }
}
