using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Contacts;

/// <summary>The state of one contact as its events leave it.</summary>
public sealed record Contact(
    Guid Id,
    string OwnerId,
    string Name,
    MessengerIds Messengers,
    bool Exists)
{
    public static readonly Contact None = new(Guid.Empty, "", "", new MessengerIds(null, null, null), false);

    public static string StreamId(Guid contactId) => $"contact-{contactId}";

    public static readonly Decider<IContactCommand, IContactEvent, Contact> Decider =
        new(Decide, Evolve, None);

    private static IReadOnlyList<IContactEvent> Decide(IContactCommand command, Contact state) =>
        (command, state) switch
        {
            (AddContact add, { Exists: false }) => [Added(add)],
            // Re-sending the same add is a retry, not a conflict.
            (AddContact add, { Exists: true }) when SameAs(add, state) => [],
            (AddContact add, { Exists: true }) => throw new ContactAlreadyExistsException(add.ContactId),
            _ => throw new InvalidOperationException($"Unknown contact command {command.GetType().Name}."),
        };

    private static ContactAdded Added(AddContact add)
    {
        var problems = add.Messengers.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidContactException(problems);
        }

        var m = add.Messengers;
        return new ContactAdded(add.ContactId, add.OwnerId, add.Name, m.Telegram, m.WhatsApp, m.Viber, add.Actor, add.At);
    }

    private static bool SameAs(AddContact add, Contact state) =>
        add.OwnerId == state.OwnerId && add.Name == state.Name && add.Messengers == state.Messengers;

    private static Contact Evolve(Contact state, IContactEvent @event) =>
        @event switch
        {
            ContactAdded e => new Contact(e.ContactId, e.OwnerId, e.Name, new MessengerIds(e.Telegram, e.WhatsApp, e.Viber), true),
            _ => state,
        };
}
