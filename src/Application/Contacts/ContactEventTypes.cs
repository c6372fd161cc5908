using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;

namespace EventSourced.Application.Contacts;

public static class ContactEventTypes
{
    public static EventTypeRegistry RegisterContactEvents(this EventTypeRegistry registry) =>
        registry
            .Register<ContactAdded>("contact_added")
            .Register<ContactUpdated>("contact_updated")
            .Register<ContactRemoved>("contact_removed")
            .Register<ContactGroupCreated>("contact_group_created")
            .Register<ContactGroupRenamed>("contact_group_renamed")
            .Register<ContactGroupMembersAdded>("contact_group_members_added")
            .Register<ContactGroupMembersRemoved>("contact_group_members_removed")
            .Register<ContactGroupDeleted>("contact_group_deleted");
}
