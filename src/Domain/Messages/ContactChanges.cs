using EventSourced.Domain.Contacts;
using EventSourced.Domain.Privacy;

namespace EventSourced.Domain.Messages;

/// <summary>
/// A message fixes each delivery's address when it is sent; its contact may change before the
/// delivery goes out (ADR 0040). What the owner's contact book, as it is now, asks of the
/// deliveries still waiting (scheduled, retrying or failed): none to a removed contact, none on a
/// messenger the contact no longer has, and the rest to the contact's id as it is now. A message
/// still waiting for its time also goes over the messengers its contacts gained.
/// </summary>
public static class ContactChanges
{
    public const string ContactRemoved = "the contact was removed";

    public static IReadOnlyList<IMessageCommand> Commands(Message message, ContactBook book, string actor, DateTimeOffset at)
    {
        var commands = new List<IMessageCommand>();
        foreach (var delivery in message.Deliveries)
        {
            // A deploy's notifications name no contact; a contact not in the book is not this owner's.
            if (!message.Progress[delivery.DeliveryId].IsWaiting || book.Contacts.GetValueOrDefault(delivery.ContactId) is not { } contact)
            {
                continue;
            }

            var address = Message.Channels(contact.Messengers).Where(c => c.Channel == delivery.Channel).Select(c => (string?)c.Address).FirstOrDefault();
            if (contact.Removed || address is null)
            {
                var reason = contact.Removed ? ContactRemoved : $"the contact no longer has a {delivery.Channel} id";
                commands.Add(new CancelDelivery(message.Id, message.OwnerId, delivery.DeliveryId, reason, actor, at));
            }
            else if (address != delivery.Address && !Withheld.Is(address) && !Withheld.Is(delivery.Address))
            {
                // A forgotten contact's deliveries are cancelled by the forgetting (ADR 0025), not sent to "erased".
                commands.Add(new ReaddressDelivery(message.Id, message.OwnerId, delivery.DeliveryId, address, actor, at));
            }
        }

        commands.AddRange(GainedMessengers(message, book, actor, at));
        return commands;
    }

    private static IEnumerable<PlanDelivery> GainedMessengers(Message message, ContactBook book, string actor, DateTimeOffset at) =>
        from contactId in message.Deliveries.Select(d => d.ContactId).Distinct()
        let contact = book.Find(contactId)
        where contact is not null
        from messenger in Message.Channels(contact.Messengers)
        where !Withheld.Is(messenger.Address) && message.CanPlan(contactId, messenger.Channel, at)
        select new PlanDelivery(message.Id, message.OwnerId, contactId, contact.Name, messenger.Channel, messenger.Address, actor, at);
}
