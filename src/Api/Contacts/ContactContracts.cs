namespace EventSourced.Api.Contacts;

/// <summary>A new contact: a name and at least one messenger id.</summary>
public sealed record AddContactRequest(string? Name, string? Telegram, string? WhatsApp, string? Viber);

/// <summary>Where the new contact is, its stream version and the global position of its event.</summary>
public sealed record ContactCreatedResponse(Guid Id, long Version, long? Position);

public sealed record ContactResponse(Guid Id, string Name, string? Telegram, string? WhatsApp, string? Viber, long Version);
