namespace EventSourced.Domain.Contacts;

/// <summary>Marker for every event of an owner's contact book: its contacts' and its groups'.</summary>
public interface IContactBookEvent
{
    string OwnerId { get; }
}

/// <summary>Marker for the events of one contact in the book.</summary>
public interface IContactEvent : IContactBookEvent
{
    Guid ContactId { get; }
}

/// <summary>An owner added a contact reachable on one or more messengers.</summary>
public sealed record ContactAdded(
    Guid ContactId,
    string OwnerId,
    string Name,
    string? Telegram,
    string? WhatsApp,
    string? Viber,
    string AddedBy,
    DateTimeOffset AddedAt) : IContactEvent;

/// <summary>An owner renamed a contact or changed its messenger ids; carries the whole new state.</summary>
public sealed record ContactUpdated(
    Guid ContactId,
    string OwnerId,
    string Name,
    string? Telegram,
    string? WhatsApp,
    string? Viber,
    string UpdatedBy,
    DateTimeOffset UpdatedAt) : IContactEvent;

/// <summary>An owner removed a contact; it can no longer receive messages and its name is free again.</summary>
public sealed record ContactRemoved(
    Guid ContactId,
    string OwnerId,
    string RemovedBy,
    DateTimeOffset RemovedAt) : IContactEvent;
