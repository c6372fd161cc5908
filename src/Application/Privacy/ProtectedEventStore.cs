using System.Runtime.CompilerServices;
using System.Text.Json;
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
        var personal = new List<(int Index, JsonDocument Json, PersonalFieldRule Rule, int FirstScope)>();
        var subjects = new List<Subject?>();
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (PersonalFields.Rules.TryGetValue(events[i].Type, out var rule))
                {
                    var json = JsonDocument.Parse(events[i].Data);
                    personal.Add((i, json, rule, subjects.Count));
                    subjects.AddRange(rule.Scopes(json.RootElement).Select(scope => rule.SubjectOf(json.RootElement, scope)));
                }
            }

            if (subjects.All(s => s is null))
            {
                return await inner.AppendAsync(streamId, expected, events, ct);
            }

            // Every subject of the append at once: one round trip for the keys not in memory.
            var named = subjects.Select((s, n) => (Subject: s, Scope: n)).Where(s => s.Subject is not null).ToList();
            var found = await keys.KeysForAsync(named.Select(s => s.Subject!).ToList(), ct);
            var keyOfScope = named.Select((s, n) => (s.Scope, Key: found[n])).ToDictionary(s => s.Scope, s => s.Key);
            var protectedEvents = events.ToArray();
            foreach (var (index, json, rule, firstScope) in personal)
            {
                var eventId = events[index].EventId;
                protectedEvents[index] = events[index] with
                {
                    // Every value, even one that looks encrypted already: a user could type one to stay in clear.
                    Data = ScopedJson.Rewrite(json.RootElement, rule.Path, rule.Fields, (scope, field, value) =>
                        keyOfScope.TryGetValue(firstScope + scope, out var key) ? FieldCipher.Encrypt(key, eventId, field, value) : null),
                };
            }

            return await inner.AppendAsync(streamId, expected, protectedEvents, ct);
        }
        finally
        {
            foreach (var (_, json, _, _) in personal)
            {
                json.Dispose();
            }
        }
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

    private static bool IsEncrypted(RecordedEvent recorded) =>
        PersonalFields.Rules.ContainsKey(recorded.Type) && recorded.Data.Contains(EncryptedMarker, StringComparison.Ordinal);

    /// <summary>The events with their personal fields decrypted, the keys of all of them fetched at once.</summary>
    private async Task<IReadOnlyList<RecordedEvent>> RevealAsync(IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        if (!events.Any(IsEncrypted))
        {
            return events;
        }

        var encrypted = new List<(int Index, JsonDocument Json, PersonalFieldRule Rule)>();
        try
        {
            var keyIds = new HashSet<Guid>();
            for (var i = 0; i < events.Count; i++)
            {
                if (IsEncrypted(events[i]))
                {
                    var json = JsonDocument.Parse(events[i].Data);
                    var rule = PersonalFields.Rules[events[i].Type];
                    encrypted.Add((i, json, rule));
                    foreach (var scope in rule.Scopes(json.RootElement))
                    {
                        foreach (var field in rule.Fields)
                        {
                            if (scope.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && FieldCipher.KeyIdOf(value.GetString()!) is { } keyId)
                            {
                                keyIds.Add(keyId);
                            }
                        }
                    }
                }
            }

            var found = await keys.KeysAsync(keyIds, ct);
            var revealed = events.ToArray();
            foreach (var (index, json, rule) in encrypted)
            {
                revealed[index] = revealed[index] with { Data = ScopedJson.Rewrite(json.RootElement, rule.Path, rule.Fields, (_, _, value) => Reveal(value, found)) };
            }

            return revealed;
        }
        finally
        {
            foreach (var (_, json, _) in encrypted)
            {
                json.Dispose();
            }
        }
    }

    private static string? Reveal(string value, IReadOnlyDictionary<Guid, byte[]?> found) =>
        FieldCipher.KeyIdOf(value) is not { } keyId ? null
        : !found.TryGetValue(keyId, out var material) ? Withheld.Unreadable
        : material is null ? Withheld.Erased
        : FieldCipher.Decrypt(new SubjectKey(keyId, material), value) ?? Withheld.Unreadable;
}
