using System.Text.Json;
using EventSourced.Api.Audit;
using EventSourced.Api.Contacts;
using EventSourced.Api.Conversations;
using EventSourced.Api.Messages;
using EventSourced.Api.Tickets;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Messages;
using EventSourced.Domain.Tickets;
using EventSourced.Projections.Messages;
using Mapster;

namespace EventSourced.Api.Http;

/// <summary>
/// How states, read-model rows and stored events become responses (ADR 0026): one Mapster
/// configuration, compiled at start-up. Every response member must have a source, by name or by a
/// rule here, and only the pairs named here may be mapped: a field renamed on either side stops
/// the service at start-up (and fails a unit test) instead of answering with a null.
/// </summary>
public static class ResponseMappings
{
    public static TypeAdapterConfig Config { get; } = Create();

    public static TResponse ToResponse<TResponse>(this object source) => source.Adapt<TResponse>(Config);

    /// <summary>The rules every pair is held to: named here, and a source for each member of the response.</summary>
    public static TypeAdapterConfig Strict()
    {
        var config = new TypeAdapterConfig { RequireExplicitMapping = true, RequireDestinationMemberSource = true };
        config.Default.MapToConstructor(true);
        return config;
    }

    /// <summary>The configuration, compiled: it throws when a response member has no source.</summary>
    public static TypeAdapterConfig Create()
    {
        var config = Strict();

        // A contact with the groups it is in.
        config.NewConfig<(ContactEntry Contact, IReadOnlyList<ContactGroup> Groups), ContactResponse>()
            .Map(d => d.Id, s => s.Contact.Id)
            .Map(d => d.Name, s => s.Contact.Name)
            .Map(d => d.Telegram, s => s.Contact.Messengers.Telegram)
            .Map(d => d.WhatsApp, s => s.Contact.Messengers.WhatsApp)
            .Map(d => d.Viber, s => s.Contact.Messengers.Viber)
            .Map(d => d.Revision, s => s.Contact.Revision)
            .Map(d => d.Groups, s => s.Groups);
        config.NewConfig<ContactGroup, ContactGroupResponse>();

        config.NewConfig<RecordedEvent, AuditEventResponse>()
            .Map(d => d.Data, s => JsonOf(s.Data));
        // Immutable records are passed on as they are.
        config.NewConfig<EventMetadata, EventMetadata>().MapWith(m => m);

        // A message as of a version: the state and the version it was folded to.
        config.NewConfig<(Message Message, long Version), MessageAsOfResponse>()
            .Map(d => d.Id, s => s.Message.Id)
            .Map(d => d.Version, s => s.Version)
            .Map(d => d.Status, s => LowerCase(s.Message.Status))
            .Map(d => d.Text, s => s.Message.Text)
            .Map(d => d.NotBefore, s => s.Message.NotBefore)
            .Map(d => d.Deliveries, s => s.Message.Deliveries)
            .Map(d => d.Groups, s => s.Message.Groups);
        config.NewConfig<RecipientGroup, MessageGroup>()
            .Map(d => d.Id, s => s.GroupId);
        config.NewConfig<PlannedDelivery, PlannedDeliveryResponse>()
            .Map(d => d.Channel, s => LowerCase(s.Channel));

        // A conversation as of a version, with only the messages its viewer may see.
        config.NewConfig<(Conversation Chat, long Version, IReadOnlyList<PostedMessage> Visible), ConversationAsOfResponse>()
            .Map(d => d.Id, s => s.Chat.Id)
            .Map(d => d.Version, s => s.Version)
            .Map(d => d.VisitorId, s => s.Chat.VisitorId)
            .Map(d => d.ManagerId, s => s.Chat.ManagerId)
            .Map(d => d.Status, s => LowerCase(s.Chat.Status))
            .Map(d => d.Messages, s => s.Visible)
            .Map(d => d.ReadUpTo, s => s.Chat.ReadUpTo);
        config.NewConfig<PostedMessage, ChatMessageAsOf>();

        // An order as of a version, without its buyer.
        config.NewConfig<(OrderInfo Order, long Version), OrderAsOfResponse>()
            .Map(d => d.OrderId, s => s.Order.OrderId)
            .Map(d => d.Version, s => s.Version)
            .Map(d => d.Number, s => s.Order.Number)
            .Map(d => d.Tickets, s => s.Order.Tickets);
        config.NewConfig<TicketLine, TicketLine>().MapWith(t => t);

        config.Compile();
        return config;
    }

    // Enum names are lower case in every response.
    private static string LowerCase<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();

    private static JsonElement JsonOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
