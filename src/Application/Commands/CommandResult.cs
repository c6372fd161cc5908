namespace EventSourced.Application.Commands;

/// <summary>
/// The outcome of a handled command: the stream version after it, the global position of its last
/// event (null when the command was already in effect and appended nothing) and the new state.
/// </summary>
public sealed record CommandResult<TState>(long Version, long? Position, TState State);
