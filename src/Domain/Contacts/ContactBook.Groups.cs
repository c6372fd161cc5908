using System.Collections.Immutable;

namespace EventSourced.Domain.Contacts;

/// <summary>The owner's groups of contacts: what they decide and how their events change the book.</summary>
public sealed partial record ContactBook
{
    /// <summary>The group, unless it does not exist or was deleted.</summary>
    public ContactGroup? FindGroup(Guid id) => Groups.GetValueOrDefault(id) is { Deleted: false } group ? group : null;

    public ContactGroup? FindGroupByName(string name) => GroupNames.TryGetValue(name.Trim(), out var id) ? Groups[id] : null;

    /// <summary>The groups not deleted, by name.</summary>
    public IEnumerable<ContactGroup> LiveGroups => GroupNames.Values.Select(id => Groups[id]).OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The groups not deleted that have the contact among their members, by name.</summary>
    public IReadOnlyList<ContactGroup> GroupsOf(Guid contactId) => [.. LiveGroups.Where(g => g.Members.Contains(contactId))];

    /// <summary>A group's members still in the book (a forgotten one too, erased), by name.</summary>
    public IReadOnlyList<ContactEntry> MembersOf(ContactGroup group) =>
        group.Members.Select(Find).OfType<ContactEntry>().OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Id).ToList();

    private IReadOnlyList<IContactBookEvent> CreateGroup(CreateContactGroup create)
    {
        var name = create.Name.Trim();
        if (Groups.GetValueOrDefault(create.GroupId) is { } existing)
        {
            // Re-sending the same creation is a retry, not a conflict.
            return !existing.Deleted && existing.Name == name ? [] : throw new ContactGroupAlreadyExistsException(create.GroupId);
        }

        CheckName(name, create.GroupId);
        var members = Members(create.Members);
        CheckSize(name, members.Count);
        return [new ContactGroupCreated(create.GroupId, create.OwnerId, name, members, create.Actor, create.At)];
    }

    private IReadOnlyList<IContactBookEvent> RenameGroup(RenameContactGroup rename)
    {
        var group = FindGroup(rename.GroupId) ?? throw new ContactGroupNotFoundException(rename.GroupId);
        var name = rename.Name.Trim();
        if (name == group.Name)
        {
            return [];
        }

        CheckName(name, group.Id);
        return [new ContactGroupRenamed(group.Id, rename.OwnerId, name, rename.Actor, rename.At)];
    }

    private IReadOnlyList<IContactBookEvent> AddGroupMembers(AddContactGroupMembers add)
    {
        var group = FindGroup(add.GroupId) ?? throw new ContactGroupNotFoundException(add.GroupId);
        var joining = Members(add.Contacts).Where(id => !group.Members.Contains(id)).ToList();
        if (joining.Count == 0)
        {
            return [];
        }

        CheckSize(group.Name, MembersOf(group).Count + joining.Count);
        return [new ContactGroupMembersAdded(group.Id, add.OwnerId, joining, add.Actor, add.At)];
    }

    /// <summary>
    /// By id, any member goes, even one removed from the book or forgotten since; by name, only a
    /// contact the book can still find by it.
    /// </summary>
    private IReadOnlyList<IContactBookEvent> RemoveGroupMembers(RemoveContactGroupMembers remove)
    {
        var group = FindGroup(remove.GroupId) ?? throw new ContactGroupNotFoundException(remove.GroupId);
        var (named, unknown) = Lookup(remove.Contacts with { Ids = [] });
        if (unknown.Count > 0)
        {
            throw new UnknownContactsException(unknown);
        }

        var leaving = remove.Contacts.Ids.Concat(named.Select(c => c.Id)).Distinct().Where(group.Members.Contains).ToList();
        return leaving.Count == 0 ? [] : [new ContactGroupMembersRemoved(group.Id, remove.OwnerId, leaving, remove.Actor, remove.At)];
    }

    private IReadOnlyList<IContactBookEvent> DeleteGroup(DeleteContactGroup delete)
    {
        var group = Groups.GetValueOrDefault(delete.GroupId) ?? throw new ContactGroupNotFoundException(delete.GroupId);
        return group.Deleted ? [] : [new ContactGroupDeleted(group.Id, delete.OwnerId, delete.Actor, delete.At)];
    }

    /// <summary>The ids of the live contacts named; one that is not, or is withheld, refuses the command.</summary>
    private List<Guid> Members(IdsOrNames refs)
    {
        var (found, unknown) = Lookup(refs);
        return unknown.Count > 0 ? throw new UnknownContactsException(unknown) : found.Select(c => c.Id).ToList();
    }

    private void CheckName(string name, Guid groupId)
    {
        if (ContactGroup.NameProblem(name) is { } problem)
        {
            throw new InvalidContactGroupException(problem);
        }

        if (FindGroupByName(name) is { } other && other.Id != groupId)
        {
            throw new ContactGroupNameTakenException(name);
        }
    }

    private static void CheckSize(string name, int members)
    {
        if (members > ContactGroup.MaxMembers)
        {
            throw new ContactGroupTooLargeException(name, members);
        }
    }

    private ContactBook EvolveGroup(IContactGroupEvent @event) => @event switch
    {
        ContactGroupCreated e => PutGroup(new ContactGroup(e.GroupId, e.Name, [.. e.ContactIds], false)),
        ContactGroupRenamed e => ChangeGroup(e.GroupId, g => g with { Name = e.Name }),
        ContactGroupMembersAdded e => ChangeGroup(e.GroupId, g => g with { Members = g.Members.Union(e.ContactIds) }),
        ContactGroupMembersRemoved e => ChangeGroup(e.GroupId, g => g with { Members = g.Members.Except(e.ContactIds) }),
        ContactGroupDeleted e => ChangeGroup(e.GroupId, g => g with { Deleted = true }),
        _ => this,
    };

    private ContactBook ChangeGroup(Guid id, Func<ContactGroup, ContactGroup> change) =>
        Groups.GetValueOrDefault(id) is { } group ? PutGroup(change(group)) : this;

    /// <summary>Stores the group and keeps the name index to the groups not deleted.</summary>
    private ContactBook PutGroup(ContactGroup group)
    {
        var names = Groups.GetValueOrDefault(group.Id) is { Deleted: false } old && GroupNames.GetValueOrDefault(old.Name) == group.Id
            ? GroupNames.Remove(old.Name)
            : GroupNames;
        return this with { Groups = Groups.SetItem(group.Id, group), GroupNames = group.Deleted ? names : names.SetItem(group.Name, group.Id) };
    }
}
