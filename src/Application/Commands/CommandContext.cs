namespace EventSourced.Application.Commands;

/// <summary>Who sends a command and in answer to what; flows into every event's metadata.</summary>
public sealed record CommandContext(string Actor, string CorrelationId, string? CausationId);
