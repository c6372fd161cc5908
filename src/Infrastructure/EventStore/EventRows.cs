using System.Text.Json;
using System.Text.Json.Serialization;
using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>Turns rows into <see cref="RecordedEvent"/>s and metadata into JSON and back.</summary>
internal static class EventRows
{
    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string SerializeMetadata(EventMetadata metadata) => JsonSerializer.Serialize(metadata, MetadataJson);

    public static EventMetadata DeserializeMetadata(string json) => JsonSerializer.Deserialize<EventMetadata>(json, MetadataJson) ?? EventMetadata.Empty;

    /// <summary>Reads the event columns starting at <paramref name="first"/> (see EventStoreSql.Columns).</summary>
    public static RecordedEvent Read(NpgsqlDataReader reader, int first = 0) => new(
        reader.GetGuid(first),
        reader.GetString(first + 1),
        reader.GetInt64(first + 2),
        reader.GetInt64(first + 3),
        reader.GetString(first + 4),
        reader.GetString(first + 5),
        DeserializeMetadata(reader.GetString(first + 6)),
        reader.GetFieldValue<DateTimeOffset>(first + 7));

    public static async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<RecordedEvent>();
        while (await reader.ReadAsync(ct))
        {
            events.Add(Read(reader));
        }

        return events;
    }
}
