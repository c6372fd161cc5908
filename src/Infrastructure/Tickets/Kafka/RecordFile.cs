using System.Text;
using System.Text.Json;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>A record to send to one of the seller's topics: what a line of a records file holds.</summary>
public sealed record RecordToSend(string Key, IReadOnlyDictionary<string, string> Headers, byte[] Value);

/// <summary>
/// A JSON-lines file of records as the seller sends them, one per line:
/// <c>{"key": "ord-1", "headers": {"application-id": "ticketland"}, "value": {...}}</c>, or
/// <c>"value_base64"</c> for a protobuf body. Missing headers take their defaults: content-type
/// from the value's form, schema-version 1.0, application-id from the command line.
/// </summary>
public static class RecordFile
{
    /// <summary>Every line read and checked before anything is sent, so a bad file sends nothing.</summary>
    /// <exception cref="FormatException">A line that is not such a record, named by its number.</exception>
    public static IReadOnlyList<RecordToSend> Read(TextReader reader, string? applicationId)
    {
        var records = new List<RecordToSend>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                records.Add(Parse(line, applicationId, number));
            }
        }

        return records;
    }

    private static RecordToSend Parse(string line, string? applicationId, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var key = root.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String && k.GetString() is { Length: > 0 } text
                ? text
                : throw new FormatException("no \"key\": the entity id the record is keyed by");
            var (value, contentType) = (root.TryGetProperty("value", out var json), root.TryGetProperty("value_base64", out var base64)) switch
            {
                (true, false) => (Encoding.UTF8.GetBytes(json.GetRawText()), "application/json"),
                (false, true) => (Convert.FromBase64String(base64.GetString() ?? ""), "application/x-protobuf"),
                _ => throw new FormatException("give either \"value\" (a JSON record) or \"value_base64\" (a protobuf one)"),
            };
            var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["content-type"] = contentType, ["schema-version"] = "1.0" };
            if (applicationId is not null)
            {
                headers["application-id"] = applicationId;
            }

            if (root.TryGetProperty("headers", out var given))
            {
                foreach (var header in given.EnumerateObject())
                {
                    headers[header.Name] = header.Value.GetString() ?? throw new FormatException($"header \"{header.Name}\" is not a string");
                }
            }

            return headers.ContainsKey("application-id")
                ? new RecordToSend(key, headers, value)
                : throw new FormatException("no \"application-id\" header: give it in \"headers\" or with --application-id");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new FormatException($"line {number}: {e.Message}", e);
        }
    }
}
