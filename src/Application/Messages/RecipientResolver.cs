using EventSourced.Application.Commands;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Messages;

/// <summary>
/// Finds a message's recipients in the owner's contact book as it is now: contacts by id or by
/// name, and the members of groups. A contact named that is forgotten is refused as unknown; a
/// group's member that is forgotten or removed is passed over, as the group is named, not them.
/// </summary>
public sealed class RecipientResolver(CommandHandler handler)
{
    /// <exception cref="UnknownRecipientsException">Some contacts named are not (or no longer) in the book, or forgotten; it names them all.</exception>
    /// <exception cref="UnknownContactGroupsException">Some groups named are not (or no longer) in the book.</exception>
    /// <exception cref="TooManyRecipientsException">More than a message takes, all told.</exception>
    public async Task<(IReadOnlyList<Recipient> Recipients, IReadOnlyList<RecipientGroup> Groups)> ResolveAsync(string ownerId, IdsOrNames contacts, IdsOrNames groups, CancellationToken ct)
    {
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(ownerId), ct);
        var (found, unknown) = book.Lookup(contacts);
        if (unknown.Count > 0)
        {
            throw new UnknownRecipientsException(unknown);
        }

        var (named, unknownGroups) = book.LookupGroups(groups);
        if (unknownGroups.Count > 0)
        {
            throw new UnknownContactGroupsException(unknownGroups);
        }

        var recipients = found
            .Concat(named.SelectMany(book.MembersOf).Where(c => !c.IsWithheld))
            .DistinctBy(c => c.Id)
            .Select(c => new Recipient(c.Id, c.Name, c.Messengers))
            .ToList();
        return recipients.Count > Message.MaxRecipients
            ? throw new TooManyRecipientsException(recipients.Count)
            : (recipients, [.. named.DistinctBy(g => g.Id).Select(g => new RecipientGroup(g.Id, g.Name))]);
    }

    /// <summary>
    /// The contacts to take off a message: ids as given (a contact removed from the book may
    /// still be on it), names found in the book.
    /// </summary>
    /// <exception cref="UnknownRecipientsException">Some names are not (or no longer) in the book; it names them all.</exception>
    public async Task<IReadOnlyList<Guid>> ContactIdsAsync(string ownerId, IdsOrNames contacts, CancellationToken ct)
    {
        if (contacts.Names.Count == 0)
        {
            return contacts.Ids;
        }

        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(ownerId), ct);
        var (found, unknown) = book.Lookup(contacts with { Ids = [] });
        return unknown.Count > 0 ? throw new UnknownRecipientsException(unknown) : [.. contacts.Ids, .. found.Select(c => c.Id)];
    }
}
