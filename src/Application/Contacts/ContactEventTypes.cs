using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;

namespace EventSourced.Application.Contacts;

public static class ContactEventTypes
{
    public static EventTypeRegistry RegisterContactEvents(this EventTypeRegistry registry) =>
        registry
            .Register<ContactAdded>("contact_added")
            .Register<ContactUpdated>("contact_updated")
            .Register<ContactRemoved>("contact_removed");
}
