using System.Runtime.CompilerServices;
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
    private const string EncryptedMarker = "\"enc:v";

    public async Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        var personal = new List<(PersonalEvent Event, int FirstSubject)>();
        var subjects = new List<Subject?>();
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (PersonalEvent.Parse(i, events[i].Type, events[i].Data) is { } parsed)
                {
                    personal.Add((parsed, subjects.Count));
                    subjects.AddRange(parsed.Scopes.Select(scope => parsed.Rule.SubjectOf(parsed.Root, scope)));
                }
            }

            if (subjects.All(s => s is null))
            {
                return await inner.AppendAsync(streamId, expected, events, ct);
            }

            // Every subject of the append at once: one round trip for the keys not in memory.
            var named = subjects.Select((s, n) => (Subject: s, Index: n)).Where(s => s.Subject is not null).ToList();
            var found = await keys.KeysForAsync(named.Select(s => s.Subject!).ToList(), ct);
            var keyOfSubject = named.Select((s, n) => (s.Index, Key: found[n])).ToDictionary(s => s.Index, s => s.Key);
            var protectedEvents = events.ToArray();
            foreach (var (e, firstSubject) in personal)
            {
                var eventId = events[e.Index].EventId;
                protectedEvents[e.Index] = events[e.Index] with { Data = e.Sealed(eventId, scope => keyOfSubject.GetValueOrDefault(firstSubject + scope)) };
            }

            return await inner.AppendAsync(streamId, expected, protectedEvents, ct);
        }
        finally
        {
            foreach (var (e, _) in personal)
            {
                e.Dispose();
            }
        }
    }

    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount, CancellationToken ct = default) =>
        await RevealAsync(await inner.ReadStreamAsync(streamId, direction, fromVersion, maxCount, ct), ct);

    public async Task<AllEventsPage> ReadAllAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct = default)
    {
        var page = await inner.ReadAllAsync(afterPosition, maxCount, filter, ct);
        return filter.PersonalDataSealed ? page : page with { Events = await RevealAsync(page.Events, ct) };
    }

    public Task<long> LastPositionAsync(CancellationToken ct = default) => inner.LastPositionAsync(ct);

    public async Task<IReadOnlyList<RecordedEvent>> ReadByCorrelationIdAsync(string correlationId, int maxCount, CancellationToken ct = default) =>
        await RevealAsync(await inner.ReadByCorrelationIdAsync(correlationId, maxCount, ct), ct);

    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var recorded in inner.SubscribeToAllAsync(afterPosition, filter, ct))
        {
            yield return !filter.PersonalDataSealed && IsEncrypted(recorded) ? (await RevealAsync([recorded], ct))[0] : recorded;
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

        var encrypted = new List<PersonalEvent>();
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (IsEncrypted(events[i]) && PersonalEvent.Parse(i, events[i].Type, events[i].Data) is { } parsed)
                {
                    encrypted.Add(parsed);
                }
            }

            var found = await keys.KeysAsync(encrypted.SelectMany(e => e.KeyIds()).ToHashSet(), ct);
            var revealed = events.ToArray();
            foreach (var e in encrypted)
            {
                revealed[e.Index] = revealed[e.Index] with { Data = e.Revealed(found) };
            }

            return revealed;
        }
        finally
        {
            foreach (var e in encrypted)
            {
                e.Dispose();
            }
        }
    }
}
