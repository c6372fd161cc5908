using EventSourced.Application.Contacts;
using EventSourced.Application.Conversations;
using EventSourced.Application.Deploys;
using EventSourced.Application.Messages;
using EventSourced.Application.Privacy;
using EventSourced.Application.Tickets;

namespace EventSourced.Application.EventStore;

/// <summary>Every event type the product stores, under its stable name.</summary>
public static class EventCatalog
{
    public static EventTypeRegistry Create() => new EventTypeRegistry()
        .RegisterContactEvents()
        .RegisterMessageEvents()
        .RegisterConversationEvents()
        .RegisterDeployEvents()
        .RegisterTicketEvents()
        .RegisterPrivacyEvents();
}
