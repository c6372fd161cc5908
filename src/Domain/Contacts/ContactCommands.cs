namespace EventSourced.Domain.Contacts;

/// <summary>Marker for every command on a contact stream.</summary>
public interface IContactCommand
{
    Guid ContactId { get; }
}

/// <summary>Add a contact for <paramref name="OwnerId"/>; time comes in as data.</summary>
public sealed record AddContact(
    Guid ContactId,
    string OwnerId,
    string Name,
    MessengerIds Messengers,
    string Actor,
    DateTimeOffset At) : IContactCommand;
