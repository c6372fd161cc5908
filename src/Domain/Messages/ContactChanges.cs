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

    private static readonly Channel[] Messengers = [Channel.Telegram, Channel.WhatsApp, Channel.Viber];

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

            var address = AddressOn(contact.Messengers, delivery.Channel);
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

    // One delivery per contact and messenger, as when the message was sent; once it is due, its
    // deliveries are what goes out.
    private static IEnumerable<PlanDelivery> GainedMessengers(Message message, ContactBook book, string actor, DateTimeOffset at) =>
        message.Status != MessageStatus.Scheduled || at >= message.NotBefore
            ? []
            : from contactId in message.Deliveries.Select(d => d.ContactId).Distinct()
              let contact = book.Find(contactId)
              where contact is not null
              from channel in Messengers
              let address = AddressOn(contact.Messengers, channel)
              where address is not null && !Withheld.Is(address) && !message.Deliveries.Any(d => d.ContactId == contactId && d.Channel == channel)
              select new PlanDelivery(message.Id, message.OwnerId, contactId, contact.Name, channel, address, actor, at);

    private static string? AddressOn(MessengerIds messengers, Channel channel) => channel switch
    {
        Channel.Telegram => messengers.Telegram,
        Channel.WhatsApp => messengers.WhatsApp,
        Channel.Viber => messengers.Viber,
        _ => null,
    };
}
