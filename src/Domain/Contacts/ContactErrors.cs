using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Contacts;

public sealed class ContactAlreadyExistsException(Guid contactId)
    : DomainException($"Contact {contactId} already exists.")
{
    public override string Code => "contact_already_exists";
}

public sealed class InvalidContactException(IReadOnlyDictionary<string, string> problems)
    : DomainException("The contact is invalid: " + string.Join(" ", problems.Values))
{
    public IReadOnlyDictionary<string, string> Problems { get; } = problems;

    public override string Code => "invalid_contact";
}
