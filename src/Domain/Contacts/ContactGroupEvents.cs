namespace EventSourced.Domain.Contacts;

/// <summary>
/// Marker for the events of one group of contacts in the book. Members are named by contact id
/// only: an id is not personal (ADR 0025), so a group needs no key of its own, and a forgotten
/// contact's membership leaves nothing readable about them.
/// </summary>
public interface IContactGroupEvent : IContactBookEvent
{
    Guid GroupId { get; }
}

/// <summary>An owner made a group of contacts, to send to all of them at once; it may start empty.</summary>
public sealed record ContactGroupCreated(
    Guid GroupId,
    string OwnerId,
    string Name,
    IReadOnlyList<Guid> ContactIds,
    string CreatedBy,
    DateTimeOffset CreatedAt) : IContactGroupEvent;

public sealed record ContactGroupRenamed(
    Guid GroupId,
    string OwnerId,
    string Name,
    string RenamedBy,
    DateTimeOffset RenamedAt) : IContactGroupEvent;

/// <summary>Contacts joined a group; only those that were not members yet are listed.</summary>
public sealed record ContactGroupMembersAdded(
    Guid GroupId,
    string OwnerId,
    IReadOnlyList<Guid> ContactIds,
    string AddedBy,
    DateTimeOffset AddedAt) : IContactGroupEvent;

/// <summary>Contacts left a group; only those that were members are listed. The contacts stay in the book.</summary>
public sealed record ContactGroupMembersRemoved(
    Guid GroupId,
    string OwnerId,
    IReadOnlyList<Guid> ContactIds,
    string RemovedBy,
    DateTimeOffset RemovedAt) : IContactGroupEvent;

/// <summary>An owner deleted a group; its contacts stay in the book, and its name is free again.</summary>
public sealed record ContactGroupDeleted(
    Guid GroupId,
    string OwnerId,
    string DeletedBy,
    DateTimeOffset DeletedAt) : IContactGroupEvent;
