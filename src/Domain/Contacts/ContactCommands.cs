using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Contacts;

/// <summary>Marker for every command on an owner's contact book.</summary>
public interface IContactCommand
{
    string OwnerId { get; }
}

/// <summary>Add a contact; time comes in as data.</summary>
public sealed record AddContact(
    Guid ContactId,
    string OwnerId,
    string Name,
    MessengerIds Messengers,
    string Actor,
    DateTimeOffset At) : IContactCommand;

/// <summary>
/// Change what is given and keep the rest: an unset field stays, a messenger id set to null is
/// removed. <paramref name="ExpectedRevision"/>, when given, must be the contact's current revision.
/// </summary>
public sealed record UpdateContact(
    Guid ContactId,
    string OwnerId,
    Optional<string> Name,
    Optional<string?> Telegram,
    Optional<string?> WhatsApp,
    Optional<string?> Viber,
    long? ExpectedRevision,
    string Actor,
    DateTimeOffset At) : IContactCommand;

/// <summary>Remove a contact. <paramref name="ExpectedRevision"/>, when given, must be its current revision.</summary>
public sealed record RemoveContact(Guid ContactId, string OwnerId, long? ExpectedRevision, string Actor, DateTimeOffset At) : IContactCommand;

/// <summary>
/// Add many contacts at once (a list brought from elsewhere): all of them or none. A name the book
/// already has refuses the whole import, unless <paramref name="SkipExisting"/>: then that contact
/// is left as it is and the rest are added.
/// </summary>
public sealed record ImportContacts(string OwnerId, IReadOnlyList<AddContact> Contacts, bool SkipExisting) : IContactCommand;

/// <summary>Contacts (or groups) named by id or by name, as a user names them.</summary>
public sealed record IdsOrNames(IReadOnlyList<Guid> Ids, IReadOnlyList<string> Names)
{
    public static readonly IdsOrNames None = new([], []);

    public int Count => Ids.Count + Names.Count;

    public bool AnyBlankName => Names.Any(string.IsNullOrWhiteSpace);
}

/// <summary>Make a group of contacts, with its first members (maybe none).</summary>
public sealed record CreateContactGroup(Guid GroupId, string OwnerId, string Name, IdsOrNames Members, string Actor, DateTimeOffset At) : IContactCommand;

public sealed record RenameContactGroup(Guid GroupId, string OwnerId, string Name, string Actor, DateTimeOffset At) : IContactCommand;

/// <summary>Add contacts to a group; those already in it stay as they are.</summary>
public sealed record AddContactGroupMembers(Guid GroupId, string OwnerId, IdsOrNames Contacts, string Actor, DateTimeOffset At) : IContactCommand;

/// <summary>Take contacts out of a group; those not in it are passed over. The contacts stay in the book.</summary>
public sealed record RemoveContactGroupMembers(Guid GroupId, string OwnerId, IdsOrNames Contacts, string Actor, DateTimeOffset At) : IContactCommand;

public sealed record DeleteContactGroup(Guid GroupId, string OwnerId, string Actor, DateTimeOffset At) : IContactCommand;
