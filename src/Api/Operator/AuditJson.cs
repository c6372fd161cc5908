using System.Text.Json;
using EventSourced.Api.Audit;
using EventSourced.Application.EventStore;

namespace EventSourced.Api.Operator;

/// <summary>Events as JSON lines, the same shape as the audit endpoints, so `jq` works on both.</summary>
internal static class AuditJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static void WriteLines(TextWriter output, IEnumerable<RecordedEvent> events)
    {
        foreach (var e in events)
        {
            output.WriteLine(JsonSerializer.Serialize(AuditEventResponse.From(e), Options));
        }
    }
}
