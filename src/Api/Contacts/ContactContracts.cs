using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;

namespace EventSourced.Api.Contacts;

/// <summary>A new contact: a name and at least one messenger id.</summary>
public sealed record AddContactRequest(string? Name, string? Telegram, string? WhatsApp, string? Viber);

/// <summary>Fields to change; an absent field is kept, a messenger id sent as null is removed.</summary>
public sealed record UpdateContactRequest(Optional<string?> Name, Optional<string?> Telegram, Optional<string?> WhatsApp, Optional<string?> Viber);

/// <summary>A command's outcome: the resource's revision and the global position to wait for in queries (null if nothing changed).</summary>
public sealed record ContactChangedResponse(Guid Id, long Revision, long? Position);

public sealed record ContactResponse(Guid Id, string Name, string? Telegram, string? WhatsApp, string? Viber, long Revision);
