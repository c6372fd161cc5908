namespace EventSourced.Domain.Deciding;

/// <summary>
/// A pure decision model for one kind of stream: what events a command produces in a given
/// state, and how each event changes the state. The generic command handler runs any decider.
/// </summary>
public sealed record Decider<TCommand, TEvent, TState>(
    Func<TCommand, TState, IReadOnlyList<TEvent>> Decide,
    Func<TState, TEvent, TState> Evolve,
    TState Initial)
{
    public TState Fold(IEnumerable<TEvent> events) => events.Aggregate(Initial, Evolve);
}
