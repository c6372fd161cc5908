using System.Collections.Immutable;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Privacy;

namespace EventSourced.Domain.Contacts;

/// <summary>One contact as its events leave it. <see cref="Revision"/> counts its changes (0 when just added).</summary>
public sealed record ContactEntry(Guid Id, string Name, MessengerIds Messengers, long Revision, bool Removed)
{
    /// <summary>
    /// Its data reads as erased (the contact was forgotten) or unreadable (its key is lost): it
    /// takes no new data and no message. Every field of a contact goes with its key, the name too.
    /// </summary>
    public bool IsWithheld => Withheld.Is(Name);
}

/// <summary>
/// An owner's contacts. Names are unique per owner, so the owner's whole book is the
/// consistency boundary: one stream per owner, and each contact keeps its own revision for
/// per-contact optimistic concurrency (If-Match). <see cref="Names"/> indexes the live contacts by
/// name, case-insensitively, so that adding to a book of thousands does not scan it. The book also
/// keeps the owner's groups of contacts (<see cref="Groups"/>, ContactBook.Groups.cs): a group names
/// its members by id, and its name is unique per owner as a contact's is.
/// </summary>
public sealed partial record ContactBook(
    ImmutableDictionary<Guid, ContactEntry> Contacts,
    ImmutableDictionary<string, Guid> Names,
    ImmutableDictionary<Guid, ContactGroup> Groups,
    ImmutableDictionary<string, Guid> GroupNames)
{
    public static readonly ContactBook Empty = new(
        ImmutableDictionary<Guid, ContactEntry>.Empty,
        ImmutableDictionary.Create<string, Guid>(StringComparer.OrdinalIgnoreCase),
        ImmutableDictionary<Guid, ContactGroup>.Empty,
        ImmutableDictionary.Create<string, Guid>(StringComparer.OrdinalIgnoreCase));

    public static readonly Decider<IContactCommand, IContactBookEvent, ContactBook> Decider = new(Decide, Evolve, Empty);

    public static string StreamId(string ownerId) => $"contacts-{ownerId}";

    /// <summary>The contact, unless it does not exist or was removed.</summary>
    public ContactEntry? Find(Guid id) => Contacts.GetValueOrDefault(id) is { Removed: false } entry ? entry : null;

    public ContactEntry? FindByName(string name) => Names.TryGetValue(name.Trim(), out var id) ? Contacts[id] : null;

    /// <summary>
    /// The live contacts <paramref name="refs"/> names, each once, and what it names that is not (or
    /// no longer) in the book or is withheld, as given: nothing new goes to a withheld contact.
    /// </summary>
    public (IReadOnlyList<ContactEntry> Found, IReadOnlyList<string> Unknown) Lookup(IdsOrNames refs) =>
        Look(refs, Find, FindByName, c => !c.IsWithheld, c => c.Id);

    /// <summary>The groups <paramref name="refs"/> names, each once, and what it names that is not (or no longer) in the book.</summary>
    public (IReadOnlyList<ContactGroup> Found, IReadOnlyList<string> Unknown) LookupGroups(IdsOrNames refs) =>
        Look(refs, FindGroup, FindGroupByName, _ => true, g => g.Id);

    private static (IReadOnlyList<T> Found, IReadOnlyList<string> Unknown) Look<T>(
        IdsOrNames refs, Func<Guid, T?> byId, Func<string, T?> byName, Func<T, bool> usable, Func<T, Guid> idOf)
        where T : class
    {
        var found = new List<T>();
        var unknown = new List<string>();
        foreach (var (item, asGiven) in refs.Ids.Select(id => (byId(id), id.ToString())).Concat(refs.Names.Select(n => (byName(n), n))))
        {
            if (item is not null && usable(item))
            {
                found.Add(item);
            }
            else
            {
                unknown.Add(asGiven);
            }
        }

        return (found.DistinctBy(idOf).ToList(), unknown);
    }

    private static IReadOnlyList<IContactBookEvent> Decide(IContactCommand command, ContactBook book) => command switch
    {
        AddContact add => book.Add(add),
        ImportContacts import => book.Import(import),
        UpdateContact update => book.Update(update),
        RemoveContact remove => book.Remove(remove),
        CreateContactGroup create => book.CreateGroup(create),
        RenameContactGroup rename => book.RenameGroup(rename),
        AddContactGroupMembers add => book.AddGroupMembers(add),
        RemoveContactGroupMembers remove => book.RemoveGroupMembers(remove),
        DeleteContactGroup delete => book.DeleteGroup(delete),
        _ => throw new InvalidOperationException($"Unknown contact command {command.GetType().Name}."),
    };

    private IReadOnlyList<IContactEvent> Add(AddContact add)
    {
        var name = add.Name.Trim();
        if (Contacts.GetValueOrDefault(add.ContactId) is { } existing)
        {
            // Re-sending the same add is a retry, not a conflict.
            return !existing.Removed && existing.Name == name && existing.Messengers == add.Messengers
                ? []
                : throw new ContactAlreadyExistsException(add.ContactId);
        }

        Validate(name, add.Messengers);
        if (FindByName(name) is not null)
        {
            throw new ContactNameTakenException(name);
        }

        var m = add.Messengers;
        return [new ContactAdded(add.ContactId, add.OwnerId, name, m.Telegram, m.WhatsApp, m.Viber, add.Actor, add.At)];
    }

    /// <summary>
    /// Each contact as <see cref="Add"/> would add it, to the book as the ones before it left it,
    /// so a name twice in one import is taken by its first. A contact already added under its id
    /// (the import sent again) adds nothing.
    /// </summary>
    private List<IContactEvent> Import(ImportContacts import)
    {
        var book = this;
        var events = new List<IContactEvent>();
        var taken = new List<string>();
        foreach (var add in import.Contacts)
        {
            var name = add.Name.Trim();
            if (!book.Contacts.ContainsKey(add.ContactId) && book.FindByName(name) is not null)
            {
                if (!import.SkipExisting)
                {
                    taken.Add(name);
                }

                continue;
            }

            foreach (var added in book.Add(add))
            {
                events.Add(added);
                book = Evolve(book, added);
            }
        }

        return taken.Count > 0 ? throw new ContactNamesTakenException(taken) : events;
    }

    private IReadOnlyList<IContactEvent> Update(UpdateContact update)
    {
        var entry = Find(update.ContactId) ?? throw new ContactNotFoundException(update.ContactId);
        if (entry.IsWithheld)
        {
            // New data would go under a new key, and the forgotten contact would come back under its old id.
            throw new ContactWithheldException(entry.Id, entry.Name);
        }

        CheckRevision(entry, update.ExpectedRevision);
        var name = update.Name.Or(entry.Name).Trim();
        var m = new MessengerIds(update.Telegram.Or(entry.Messengers.Telegram), update.WhatsApp.Or(entry.Messengers.WhatsApp), update.Viber.Or(entry.Messengers.Viber));
        Validate(name, m);
        if (FindByName(name) is { } other && other.Id != entry.Id)
        {
            throw new ContactNameTakenException(name);
        }

        return name == entry.Name && m == entry.Messengers
            ? []
            : [new ContactUpdated(entry.Id, update.OwnerId, name, m.Telegram, m.WhatsApp, m.Viber, update.Actor, update.At)];
    }

    private IReadOnlyList<IContactEvent> Remove(RemoveContact remove)
    {
        var entry = Contacts.GetValueOrDefault(remove.ContactId) ?? throw new ContactNotFoundException(remove.ContactId);
        if (entry.Removed)
        {
            return [];
        }

        CheckRevision(entry, remove.ExpectedRevision);
        return [new ContactRemoved(entry.Id, remove.OwnerId, remove.Actor, remove.At)];
    }

    private static void Validate(string name, MessengerIds messengers)
    {
        var problems = MessengerIds.NameProblems(name).Concat(messengers.Problems()).ToDictionary();
        if (problems.Count > 0)
        {
            throw new InvalidContactException(problems);
        }
    }

    private static void CheckRevision(ContactEntry entry, long? expected)
    {
        if (expected is { } revision && revision != entry.Revision)
        {
            throw new ContactChangedException(entry.Id, revision, entry.Revision);
        }
    }

    private static ContactBook Evolve(ContactBook book, IContactBookEvent @event) => @event switch
    {
        ContactAdded e => book.Put(new ContactEntry(e.ContactId, e.Name, new MessengerIds(e.Telegram, e.WhatsApp, e.Viber), 0, false)),
        ContactUpdated e => book.Change(e.ContactId, c => c with { Name = e.Name, Messengers = new MessengerIds(e.Telegram, e.WhatsApp, e.Viber) }),
        ContactRemoved e => book.Change(e.ContactId, c => c with { Removed = true }),
        IContactGroupEvent e => book.EvolveGroup(e),
        _ => book,
    };

    private ContactBook Change(Guid id, Func<ContactEntry, ContactEntry> change) =>
        Contacts.GetValueOrDefault(id) is { } entry ? Put(change(entry) with { Revision = entry.Revision + 1 }) : this;

    /// <summary>Stores the entry and keeps the name index to the live contacts whose name can be read.</summary>
    private ContactBook Put(ContactEntry entry)
    {
        var names = Contacts.GetValueOrDefault(entry.Id) is { Removed: false } old && Names.GetValueOrDefault(old.Name) == entry.Id
            ? Names.Remove(old.Name)
            : Names;
        return this with { Contacts = Contacts.SetItem(entry.Id, entry), Names = entry.Removed || entry.IsWithheld ? names : names.SetItem(entry.Name, entry.Id) };
    }
}
