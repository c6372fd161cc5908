using System.Text.Json;
using EventSourced.Api.Audit;
using EventSourced.Api.Contacts;
using EventSourced.Api.Messages;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
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

        config.NewConfig<ContactEntry, ContactResponse>()
            .Map(d => d.Telegram, s => s.Messengers.Telegram)
            .Map(d => d.WhatsApp, s => s.Messengers.WhatsApp)
            .Map(d => d.Viber, s => s.Messengers.Viber);

        config.NewConfig<RecordedEvent, AuditEventResponse>()
            .Map(d => d.Data, s => JsonOf(s.Data));
        // Immutable: passed on as it is.
        config.NewConfig<EventMetadata, EventMetadata>().MapWith(m => m);

        // A message as of a version: the state and the version it was folded to.
        config.NewConfig<(Message Message, long Version), MessageAsOfResponse>()
            .Map(d => d.Id, s => s.Message.Id)
            .Map(d => d.Version, s => s.Version)
            .Map(d => d.Status, s => LowerCase(s.Message.Status))
            .Map(d => d.Text, s => s.Message.Text)
            .Map(d => d.NotBefore, s => s.Message.NotBefore)
            .Map(d => d.Deliveries, s => s.Message.Deliveries);
        config.NewConfig<PlannedDelivery, PlannedDeliveryResponse>()
            .Map(d => d.Channel, s => LowerCase(s.Channel));

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
