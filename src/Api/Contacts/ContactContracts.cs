using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;

namespace EventSourced.Api.Contacts;

/// <summary>A new contact: a name and at least one messenger id.</summary>
public sealed record AddContactRequest(string? Name, string? Telegram, string? WhatsApp, string? Viber);

/// <summary>
/// Contacts to add at once (1 to 1,000), all or none. With <c>skipExisting</c>, a contact whose name
/// the book already has is left as it is, and the rest are added.
/// </summary>
public sealed record ImportContactsRequest(IReadOnlyList<AddContactRequest?>? Contacts, bool SkipExisting = false);

/// <summary>What an import did: the contacts it added, with their ids, and the names it left as they were.</summary>
public sealed record ContactsImportedResponse(IReadOnlyList<ImportedContact> Added, IReadOnlyList<string> Skipped, long? Position);

public sealed record ImportedContact(Guid Id, string Name);

/// <summary>Fields to change; an absent field is kept, a messenger id sent as null is removed.</summary>
public sealed record UpdateContactRequest(Optional<string?> Name, Optional<string?> Telegram, Optional<string?> WhatsApp, Optional<string?> Viber);

/// <summary>A command's outcome: the resource's revision and the global position to wait for in queries (null if nothing changed).</summary>
public sealed record ContactChangedResponse(Guid Id, long Revision, long? Position);

/// <summary>A contact, and the groups of yours it is in (then, in its history), by name.</summary>
public sealed record ContactResponse(Guid Id, string Name, string? Telegram, string? WhatsApp, string? Viber, long Revision, IReadOnlyList<ContactGroupResponse> Groups);

public sealed record ContactGroupResponse(Guid Id, string Name);
