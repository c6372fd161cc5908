using System.Text.Json;
using System.Text.Json.Nodes;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// Our event metadata as EventStoreDB custom metadata: the same JSON as on PostgreSQL, plus
/// $correlationId and $causationId, the names its system projections ($by_correlation_id) read.
/// </summary>
internal static class EventStoreDbMetadata
{
    public static string Serialize(EventMetadata metadata)
    {
        var json = JsonNode.Parse(EventRows.SerializeMetadata(metadata))!.AsObject();
        if (metadata.CorrelationId is { } correlation)
        {
            json["$correlationId"] = correlation;
        }

        if (metadata.CausationId is { } causation)
        {
            json["$causationId"] = causation;
        }

        return json.ToJsonString();
    }

    public static EventMetadata Deserialize(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return EventMetadata.Empty;
        }

        try
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node.Remove("$correlationId");
            node.Remove("$causationId");
            return EventRows.DeserializeMetadata(node.ToJsonString());
        }
        catch (JsonException)
        {
            // Events written by other clients may carry metadata of another shape.
            return EventMetadata.Empty;
        }
    }
}
