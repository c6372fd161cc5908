using EventSourced.Application.Commands;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Messages;

/// <summary>
/// Finds a message's recipients, by contact id or by name, in the owner's contact book as it is
/// now. A forgotten contact is no recipient: its ids read as erased, and nothing goes to them.
/// </summary>
public sealed class RecipientResolver(CommandHandler handler)
{
    /// <exception cref="UnknownRecipientsException">Some ids or names are not (or no longer) in the book, or forgotten; it names them all.</exception>
    public async Task<IReadOnlyList<Recipient>> ResolveAsync(string ownerId, IReadOnlyList<Guid> contactIds, IReadOnlyList<string> contactNames, CancellationToken ct)
    {
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(ownerId), ct);
        var found = new List<ContactEntry>();
        var unknown = new List<string>();
        foreach (var id in contactIds)
        {
            Add(book.Find(id), id.ToString());
        }

        foreach (var name in contactNames)
        {
            Add(book.FindByName(name), name);
        }

        return unknown.Count > 0
            ? throw new UnknownRecipientsException(unknown)
            : found.DistinctBy(c => c.Id).Select(c => new Recipient(c.Id, c.Name, c.Messengers)).ToList();

        void Add(ContactEntry? contact, string asGiven)
        {
            if (contact is null or { IsWithheld: true })
            {
                unknown.Add(asGiven);
            }
            else
            {
                found.Add(contact);
            }
        }
    }
}
