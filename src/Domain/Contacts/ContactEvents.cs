namespace EventSourced.Domain.Contacts;

/// <summary>Marker for every event of a contact stream.</summary>
public interface IContactEvent
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
