using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Contacts;

public sealed class ContactGroupNotFoundException(Guid groupId)
    : DomainException($"Group {groupId} does not exist.")
{
    public override string Code => "group_not_found";

    public override DomainErrorKind Kind => DomainErrorKind.NotFound;
}

public sealed class ContactGroupAlreadyExistsException(Guid groupId)
    : DomainException($"Group {groupId} already exists with another name.")
{
    public override string Code => "group_already_exists";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

public sealed class ContactGroupNameTakenException(string name)
    : DomainException($"You already have a group named '{name}'.")
{
    public override string Code => "group_name_taken";

    public override DomainErrorKind Kind => DomainErrorKind.Conflict;
}

public sealed class InvalidContactGroupException(string problem) : DomainException(problem)
{
    public override string Code => "invalid_group";
}

/// <summary>A group takes as many contacts as one message does, so that it can always be sent to.</summary>
public sealed class ContactGroupTooLargeException(string name, int members)
    : DomainException($"Group '{name}' would have {members:N0} members; a group has {ContactGroup.MaxMembers:N0} at most.")
{
    public override string Code => "group_too_large";
}

/// <summary>Contacts named that are not (or no longer) in the book, or forgotten; nothing changed.</summary>
public sealed class UnknownContactsException(IReadOnlyList<string> contacts)
    : DomainException($"Unknown, removed or forgotten contacts: {string.Join(", ", contacts)}.")
{
    public IReadOnlyList<string> Contacts { get; } = contacts;

    public override string Code => "unknown_contacts";

    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["contacts"] = Contacts };
}

/// <summary>Groups named (by id or name) that the book does not have, or no longer has.</summary>
public sealed class UnknownContactGroupsException(IReadOnlyList<string> groups)
    : DomainException($"Unknown or deleted groups: {string.Join(", ", groups)}.")
{
    public IReadOnlyList<string> Groups { get; } = groups;

    public override string Code => "unknown_groups";

    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?> { ["groups"] = Groups };
}
