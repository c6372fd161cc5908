using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventSourced.Application.EventStore;

/// <summary>
/// Maps each event CLR type to the stable name it is stored under, and back. Names are
/// registered once and never derived from CLR names, so classes can be renamed or moved freely.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<string, Type> _typesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _namesByType = [];

    // Enums are stored by name, so reordering an enum can never change what a stored event means.
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public EventTypeRegistry Register<TEvent>(string name)
        where TEvent : class
    {
        if (!_typesByName.TryAdd(name, typeof(TEvent)) || !_namesByType.TryAdd(typeof(TEvent), name))
        {
            throw new InvalidOperationException($"Event type name '{name}' or type {typeof(TEvent).Name} is registered twice.");
        }

        return this;
    }

    public IReadOnlyDictionary<string, Type> Registered => _typesByName;

    public string NameOf(Type eventType) =>
        _namesByType.TryGetValue(eventType, out var name)
            ? name
            : throw new InvalidOperationException($"Event type {eventType.Name} has no registered name.");

    public EventData ToEventData(object @event, Guid eventId, EventMetadata metadata) =>
        new(eventId, NameOf(@event.GetType()), JsonSerializer.Serialize(@event, @event.GetType(), JsonOptions), metadata);

    /// <summary>The event as its CLR type, or null for a type this build does not know (e.g. written by a newer version).</summary>
    public object? Deserialize(RecordedEvent recorded) =>
        _typesByName.TryGetValue(recorded.Type, out var type)
            ? JsonSerializer.Deserialize(recorded.Data, type, JsonOptions)
            : null;
}
