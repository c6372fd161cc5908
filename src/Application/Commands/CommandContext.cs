namespace EventSourced.Application.Commands;

/// <summary>Who sends a command and in answer to what; flows into every event's metadata.</summary>
/// <param name="SourceRecord">
/// The outside record the command came from (a Kafka record's topic/partition/offset), when
/// there is one: the events it leads to get ids derived from it, so that the record delivered
/// again appends nothing twice (appends are idempotent by event id), whatever happened between.
/// </param>
public sealed record CommandContext(string Actor, string CorrelationId, string? CausationId, string? SourceRecord = null);
