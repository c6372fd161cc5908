namespace EventSourced.Application.EventStore;

/// <summary>The stream version of the last appended event and its global position.</summary>
public readonly record struct AppendResult(long NextVersion, long Position);
