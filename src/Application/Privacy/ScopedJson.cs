using System.Buffers;
using System.Text;
using System.Text.Json;

namespace EventSourced.Application.Privacy;

/// <summary>
/// Reads and rewrites the objects a path selects in an event's JSON (its personal-data scopes),
/// streaming: a document model would cost several times the encryption itself. A path is property
/// names from the root, a trailing "[]" meaning each object in that array: "" is the root,
/// "order.customer" one object, "deliveries[]" every delivery.
/// </summary>
internal static class ScopedJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = EventStore.EventTypeRegistry.JsonOptions.Encoder };

    private const int RetainedBufferSize = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>The path's segments: "" is the root itself.</summary>
    public static string[] Parse(string path) => path.Length == 0 ? [] : path.Split('.');

    /// <summary>Each object the path selects, in document order.</summary>
    public static void CollectScopes(JsonElement element, string[] path, int depth, List<JsonElement> scopes)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (depth == path.Length)
        {
            scopes.Add(element);
            return;
        }

        var (name, isArray) = Segment(path[depth]);
        if (!element.TryGetProperty(name, out var child))
        {
            return;
        }

        if (!isArray)
        {
            CollectScopes(child, path, depth + 1, scopes);
        }
        else if (child.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in child.EnumerateArray())
            {
                CollectScopes(item, path, depth + 1, scopes);
            }
        }
    }

    /// <summary>
    /// The scope's string values of <paramref name="fields"/>, in the order of <paramref name="fields"/>:
    /// never in document order, which a store may change (PostgreSQL's jsonb orders keys its own way).
    /// </summary>
    public static List<(string Field, string Value)> StringValues(JsonElement scope, IReadOnlyList<string> fields)
    {
        var values = new List<(string, string)>(fields.Count);
        foreach (var field in fields)
        {
            if (scope.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
            {
                values.Add((field, value.GetString()!));
            }
        }

        return values;
    }

    /// <summary>
    /// The document again, each string field of <paramref name="fields"/> in the n-th scope (in
    /// document order) replaced by what <paramref name="replace"/> gives for it (null keeps it).
    /// </summary>
    public static string Rewrite(JsonElement root, string[] path, IReadOnlyList<string> fields, Func<int, string, string, string?> replace)
    {
        // One buffer and writer per thread, reset for each document: this runs for every personal event.
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        var scope = 0;
        Write(root, path, 0, fields, replace, writer, ref scope);
        writer.Flush();
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > RetainedBufferSize)
        {
            // A rare large event (a long chat message) should not stay in memory with the thread.
            (_buffer, _writer) = (null, null);
        }

        return json;
    }

    private static void Write(JsonElement element, string[] path, int depth, IReadOnlyList<string> fields, Func<int, string, string, string?> replace, Utf8JsonWriter writer, ref int scope)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            element.WriteTo(writer);
            return;
        }

        var atScope = depth == path.Length;
        var (name, isArray) = atScope ? ("", false) : Segment(path[depth]);
        var index = atScope ? scope++ : -1;
        writer.WriteStartObject();
        foreach (var property in element.EnumerateObject())
        {
            if (atScope && property.Value.ValueKind == JsonValueKind.String && Contains(fields, property.Name)
                && replace(index, property.Name, property.Value.GetString()!) is { } replaced)
            {
                writer.WriteString(property.Name, replaced);
            }
            else if (!atScope && property.NameEquals(name))
            {
                writer.WritePropertyName(property.Name);
                if (isArray && property.Value.ValueKind == JsonValueKind.Array)
                {
                    writer.WriteStartArray();
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        Write(item, path, depth + 1, fields, replace, writer, ref scope);
                    }

                    writer.WriteEndArray();
                }
                else if (isArray)
                {
                    property.Value.WriteTo(writer);
                }
                else
                {
                    Write(property.Value, path, depth + 1, fields, replace, writer, ref scope);
                }
            }
            else
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static (string Name, bool IsArray) Segment(string segment) =>
        segment.EndsWith("[]", StringComparison.Ordinal) ? (segment[..^2], true) : (segment, false);

    public static bool Contains(IReadOnlyList<string> fields, string name)
    {
        foreach (var field in fields)
        {
            if (field == name)
            {
                return true;
            }
        }

        return false;
    }
}
