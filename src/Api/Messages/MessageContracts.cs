using EventSourced.Domain.Deciding;
using EventSourced.Projections.Messages;

namespace EventSourced.Api.Messages;

/// <summary>
/// A message to one or many of the caller's contacts, by id and/or by name, and to the members of
/// groups, by id and/or by name. It goes out over every messenger each contact has, not before
/// <see cref="NotBefore"/> (missing or past: now). <see cref="AsWritten"/> sends a text holding a
/// <c>{word}</c> other than <c>{name}</c> as it is, rather than refuse it as a misspelled placeholder.
/// </summary>
public sealed record ScheduleMessageRequest(
    string? Text, Guid[]? ContactIds, string[]? ContactNames, DateTimeOffset? NotBefore, Guid[]? GroupIds = null, string[]? GroupNames = null, bool AsWritten = false);

/// <summary>
/// A message's new text and/or time, while it waits for its time: an absent field is kept;
/// <c>notBefore</c> null (or past) sends it now; <c>asWritten</c> as when it was scheduled.
/// </summary>
public sealed record EditMessageRequest(Optional<string?> Text, Optional<DateTimeOffset?> NotBefore, bool AsWritten = false);

/// <summary>Contacts by id and/or name, and groups by id and/or name, to add to a waiting message.</summary>
public sealed record AddRecipientsRequest(Guid[]? ContactIds, string[]? ContactNames, Guid[]? GroupIds = null, string[]? GroupNames = null);

/// <summary>Contacts by id and/or name to take off a waiting message.</summary>
public sealed record RemoveRecipientsRequest(Guid[]? ContactIds, string[]? ContactNames);

/// <summary>The message id, and the global position to wait for in queries (null when nothing changed).</summary>
public sealed record MessageAcceptedResponse(Guid Id, long? Position);

/// <summary>A message as it stood at a version or moment of its stream, with the groups it named by then.</summary>
public sealed record MessageAsOfResponse(
    Guid Id, long Version, string Status, string Text, DateTimeOffset NotBefore, IReadOnlyList<PlannedDeliveryResponse> Deliveries, IReadOnlyList<MessageGroup> Groups);

public sealed record PlannedDeliveryResponse(Guid DeliveryId, Guid ContactId, string ContactName, string Channel, string Address);
