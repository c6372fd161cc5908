using EventSourced.Domain.Deciding;
using EventSourced.Domain.Privacy;

namespace EventSourced.Domain.Contacts;

public sealed class ContactAlreadyExistsException(Guid contactId)
    : DomainException($"Contact {contactId} already exists with other details.")
{
    public override string Code => "contact_already_exists";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

public sealed class ContactNameTakenException(string name)
    : DomainException($"You already have a contact named '{name}'.")
{
    public override string Code => "contact_name_taken";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

/// <summary>An import names contacts the book already has: it adds none of them.</summary>
public sealed class ContactNamesTakenException(IReadOnlyList<string> names)
    : DomainException($"You already have contacts named {string.Join(", ", names.Select(n => $"'{n}'"))}; nothing was imported. Import again skipping existing names, or leave them out.")
{
    public IReadOnlyList<string> Names { get; } = names;

    public override string Code => "contact_name_taken";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;

    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["names"] = Names };
}

public sealed class ContactNotFoundException(Guid contactId)
    : DomainException($"Contact {contactId} does not exist.")
{
    public Guid ContactId { get; } = contactId;

    public override string Code => "contact_not_found";

    public override DomainErrorKind Kind => DomainErrorKind.NotFound;
}

public sealed class InvalidContactException(IReadOnlyDictionary<string, string> problems)
    : DomainException("The contact is invalid: " + string.Join(" ", problems.Values))
{
    public IReadOnlyDictionary<string, string> Problems { get; } = problems;

    public override string Code => "invalid_contact";
}

/// <summary>The contact changed since the client read it (its revision moved on).</summary>
public sealed class ContactChangedException(Guid contactId, long expected, long actual)
    : DomainException($"Contact {contactId} is at revision {actual}, not {expected}; read it again.")
{
    public long ActualRevision { get; } = actual;

    public override string Code => "contact_changed";

    public override DomainErrorKind Kind => DomainErrorKind.Stale;
}

/// <summary>The contact's data is erased (it was forgotten) or unreadable (its key is lost): it cannot be changed.</summary>
public sealed class ContactWithheldException(Guid contactId, string reads)
    : DomainException(reads == Withheld.Erased
        ? $"Contact {contactId} was forgotten: its data is erased for good. Add them as a new contact if they come back."
        : $"Contact {contactId}'s data cannot be read: its key is missing. An operator can restore the keys.")
{
    public override string Code => "contact_withheld";
}
