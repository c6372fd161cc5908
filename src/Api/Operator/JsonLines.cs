using System.Text.Encodings.Web;
using System.Text.Json;
using EventSourced.Api.Audit;
using EventSourced.Application.EventStore;

namespace EventSourced.Api.Operator;

/// <summary>Command-line output as JSON lines, shaped as the REST endpoints answer, so `jq` works on both.</summary>
internal static class JsonLines
{
    // Characters as the REST answers carry them: "+00:00", not "\u002B00:00", for people and grep.
    // Lines go to a terminal or a file, never into HTML, where the stricter escaping matters.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Events as the audit endpoints show them.</summary>
    public static void WriteEvents(TextWriter output, IEnumerable<RecordedEvent> events) => Write(output, events.Select(AuditEventResponse.From));

    public static void Write<T>(TextWriter output, IEnumerable<T> rows)
    {
        foreach (var row in rows)
        {
            output.WriteLine(JsonSerializer.Serialize(row, Options));
        }
    }
}
