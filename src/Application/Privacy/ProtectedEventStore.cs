using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Privacy;

namespace EventSourced.Application.Privacy;

/// <summary>
/// The event store with personal fields encrypted on the way in and decrypted on the way out
/// (crypto-shredding, ADR 0025). Whatever backend is behind it only ever holds ciphertext and key
/// ids; every reader above it sees the value, or <see cref="Withheld.Erased"/> once the subject
/// was forgotten, or <see cref="Withheld.Unreadable"/> when the key is gone without that.
/// </summary>
public sealed class ProtectedEventStore(IEventStore inner, SubjectKeyRing keys) : IEventStore
{
    private const string EncryptedMarker = "\"enc:v1:";

    public async Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        EventData[]? protectedEvents = null;
        for (var i = 0; i < events.Count; i++)
        {
            if (PersonalFields.Rules.TryGetValue(events[i].Type, out var rule))
            {
                protectedEvents ??= [.. events];
                protectedEvents[i] = events[i] with { Data = await EncryptAsync(events[i], rule, ct) };
            }
        }

        return await inner.AppendAsync(streamId, expected, protectedEvents ?? events, ct);
    }

    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount, CancellationToken ct = default) =>
        await RevealAsync(await inner.ReadStreamAsync(streamId, direction, fromVersion, maxCount, ct), ct);

    public async Task<AllEventsPage> ReadAllAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct = default)
    {
        var page = await inner.ReadAllAsync(afterPosition, maxCount, filter, ct);
        return page with { Events = await RevealAsync(page.Events, ct) };
    }

    public Task<long> LastPositionAsync(CancellationToken ct = default) => inner.LastPositionAsync(ct);

    public async Task<IReadOnlyList<RecordedEvent>> ReadByCorrelationIdAsync(string correlationId, int maxCount, CancellationToken ct = default) =>
        await RevealAsync(await inner.ReadByCorrelationIdAsync(correlationId, maxCount, ct), ct);

    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var recorded in inner.SubscribeToAllAsync(afterPosition, filter, ct))
        {
            yield return IsEncrypted(recorded) ? (await RevealAsync([recorded], ct))[0] : recorded;
        }
    }

    public Task SetStreamMetadataAsync(string streamId, StreamMetadata metadata, CancellationToken ct = default) => inner.SetStreamMetadataAsync(streamId, metadata, ct);

    public Task<StreamMetadata> GetStreamMetadataAsync(string streamId, CancellationToken ct = default) => inner.GetStreamMetadataAsync(streamId, ct);

    public Task SoftDeleteAsync(string streamId, CancellationToken ct = default) => inner.SoftDeleteAsync(streamId, ct);

    private async Task<string> EncryptAsync(EventData data, PersonalFieldRule rule, CancellationToken ct)
    {
        var root = JsonNode.Parse(data.Data)!.AsObject();
        foreach (var scope in rule.Scopes(root).ToList())
        {
            if (rule.SubjectOf(root, scope) is not { } subject)
            {
                continue;
            }

            var key = await keys.KeyForAsync(subject, ct);
            foreach (var field in rule.Fields)
            {
                if (scope[field] is JsonValue value && value.TryGetValue<string>(out var text) && FieldCipher.KeyIdOf(text) is null)
                {
                    scope[field] = FieldCipher.Encrypt(key.Id, key.Material, data.EventId, field, text);
                }
            }
        }

        return root.ToJsonString(EventTypeRegistry.JsonOptions);
    }

    private static bool IsEncrypted(RecordedEvent recorded) =>
        PersonalFields.Rules.ContainsKey(recorded.Type) && recorded.Data.Contains(EncryptedMarker, StringComparison.Ordinal);

    /// <summary>The events with their personal fields decrypted, the keys of all of them fetched at once.</summary>
    private async Task<IReadOnlyList<RecordedEvent>> RevealAsync(IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        if (!events.Any(IsEncrypted))
        {
            return events;
        }

        var parsed = new List<(int Index, JsonObject Root, List<(JsonObject Scope, string Field, string Value, Guid KeyId)> Fields)>();
        for (var i = 0; i < events.Count; i++)
        {
            if (IsEncrypted(events[i]))
            {
                var root = JsonNode.Parse(events[i].Data)!.AsObject();
                var rule = PersonalFields.Rules[events[i].Type];
                var fields = (
                    from scope in rule.Scopes(root)
                    from field in rule.Fields
                    let value = scope[field] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null
                    where value is not null && FieldCipher.KeyIdOf(value) is not null
                    select (scope, field, value, FieldCipher.KeyIdOf(value)!.Value)).ToList();
                parsed.Add((i, root, fields));
            }
        }

        var found = await keys.KeysAsync(parsed.SelectMany(p => p.Fields.Select(f => f.KeyId)).ToHashSet(), ct);
        var revealed = events.ToArray();
        foreach (var (index, root, fields) in parsed)
        {
            foreach (var (scope, field, value, keyId) in fields)
            {
                scope[field] = found.TryGetValue(keyId, out var material)
                    ? material is null ? Withheld.Erased : FieldCipher.Decrypt(material, value) ?? Withheld.Unreadable
                    : Withheld.Unreadable;
            }

            revealed[index] = revealed[index] with { Data = root.ToJsonString(EventTypeRegistry.JsonOptions) };
        }

        return revealed;
    }
}
