using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Privacy;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// The client's share of encryption alone (ADR 0025): appends of 100-event batches about known
/// contacts, then about a new contact each, then broadcasts to 50 known contacts (a scope a
/// delivery), through the encrypting store, in front of a store that keeps nothing, against the
/// raw cryptography those events need (one AES-GCM operation and one SHA-256 for the nonce a
/// scope, on one thread). The ratio is what reading, sealing and writing
/// the events (and, for new contacts, making and keeping their keys) adds to the cipher.
/// On a shared machine the database's share of the end-to-end figure (<c>encryption</c>) moves
/// with the other tenants; this one does not involve it.
/// </summary>
internal static class SealingBenchmark
{
    private const int Batch = 100;
    // As many subjects as a node writing for many users sees: with 1,000, just under what a
    // thread's cache of ciphers once held, the cost of a larger set was hidden (ADR 0025).
    private const int KnownContacts = 10_000;
    // A broadcast's deliveries: two messengers a contact.
    private const int BroadcastScopes = Payload.BroadcastContacts * 2;

    public static async Task RunAsync(NpgsqlDataSource dataSource, EventStoreOptions options, int events, int rounds, string? only)
    {
        if (only is not (null or "known" or "new" or "broadcast"))
        {
            throw new ArgumentException($"No shape '{only}': known, new or broadcast.", nameof(only));
        }

        var keys = new SubjectKeyRing(new PostgresSubjectKeyStore(dataSource, options));
        var rows = new SubjectKeyRows(options);
        await rows.AliasHashKeyAsync(dataSource, CancellationToken.None);
        var store = new ProtectedEventStore(new DiscardingStore(rows), keys);
        var known = Enumerable.Range(0, KnownContacts).Select(_ => Guid.NewGuid()).ToArray();
        // The contacts' keys are made (and so in memory) before the clock starts.
        await keys.KeysForAsync([.. known.Select(c => Subject.Contact(Payload.Owner, c))], CancellationToken.None);
        var knownBatches = Batches(events, () => known[Random.Shared.Next(known.Length)]);
        // A new contact in every event: its key is made and handed to the store with the events.
        var newBatches = Batches(events, Guid.NewGuid);
        // Broadcasts to known contacts: each delivery a scope, as many scopes as the others have events.
        var broadcasts = Enumerable.Range(0, events / BroadcastScopes)
            .Select(_ => new[] { Payload.MessageScheduled(Payload.BroadcastRecipients(() => known[Random.Shared.Next(known.Length)])) }).ToArray();

        Console.WriteLine($"Sealing vs the raw cipher, {events:N0} contact events in batches of {Batch}: {rounds} paired rounds, order alternating; medians shown.");
        Console.WriteLine($"{"contacts",10}{"raw us/scope",14}{"sealing us/scope",18}{"ratio",8}   (a contact event is one scope; a broadcast's delivery is one)");
        var shapes = new (string Name, EventData[][] Batches, int Scopes)[] { ("known", knownBatches, 1), ("new", newBatches, 1), ("broadcast", broadcasts, BroadcastScopes) };
        // With `only`, that shape alone, for a profile of it.
        foreach (var (name, batches, scopes) in shapes.Where(s => only is null || s.Name == only))
        {
            var (raw, sealing) = await AppendLoad.PairedRoundsAsync(rounds, () => Task.FromResult(RawCipher(batches, scopes)), () => SealingAsync(store, batches, scopes));
            var ratios = raw.Zip(sealing, (r, s) => s / r).ToList();
            Console.WriteLine($"{name,10}{AppendLoad.Median(raw),14:F2}{AppendLoad.Median(sealing),18:F2}{AppendLoad.Median(ratios),8:F2}");
        }
    }

    private static EventData[][] Batches(int events, Func<Guid> contact) =>
        Enumerable.Range(0, events / Batch).Select(_ => Enumerable.Range(0, Batch).Select(_ => Payload.ContactAdded(contact())).ToArray()).ToArray();

    private static async Task<double> SealingAsync(ProtectedEventStore store, EventData[][] batches, int scopes)
    {
        var clock = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            await store.AppendAsync("contact-bench", ExpectedVersion.Any, batch);
        }

        return clock.Elapsed.TotalMicroseconds / batches.Sum(b => b.Length * scopes);
    }

    /// <summary>What the events' personal values need at least: their bytes encrypted once under a nonce hashed from them.</summary>
    private static double RawCipher(EventData[][] batches, int scopes)
    {
        using var aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        var plain = Encoding.UTF8.GetBytes(string.Join('\xFF', Payload.ContactValues));
        var sealedValue = new byte[12 + 16 + plain.Length];
        var nonceInput = new byte[32 + 16 + sizeof(int) + plain.Length];
        plain.CopyTo(nonceInput.AsSpan(32 + 16 + sizeof(int)));
        Span<byte> hash = stackalloc byte[32];
        var clock = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            foreach (var e in batch)
            {
                for (var scope = 0; scope < scopes; scope++)
                {
                    e.EventId.TryWriteBytes(nonceInput.AsSpan(32));
                    BitConverter.TryWriteBytes(nonceInput.AsSpan(48), scope);
                    SHA256.HashData(nonceInput, hash);
                    aes.Encrypt(hash[..12], plain, sealedValue.AsSpan(28), sealedValue.AsSpan(12, 16));
                }
            }
        }

        return clock.Elapsed.TotalMicroseconds / batches.Sum(b => b.Length * scopes);
    }

    /// <summary>
    /// A store that keeps nothing: the benchmark measures the encrypting store in front of it. New
    /// keys' statements are built as the PostgreSQL store builds them (aliases hashed and sorted), not sent.
    /// </summary>
    private sealed class DiscardingStore(SubjectKeyRows rows) : IEventStore, IKeysWithAppend
    {
        public Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default) =>
            Task.FromResult(new AppendResult(events.Count - 1, 0));

        public Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, IReadOnlyList<NewSubjectKey> newKeys, CancellationToken ct = default)
        {
            rows.InsertNew(newKeys);
            return AppendAsync(streamId, expected, events, ct);
        }

        public Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount, CancellationToken ct = default) => throw new NotSupportedException();

        public Task<AllEventsPage> ReadAllAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct = default) => throw new NotSupportedException();

        public Task<long> LastPositionAsync(CancellationToken ct = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<RecordedEvent>> ReadByCorrelationIdAsync(string correlationId, int maxCount, CancellationToken ct = default) => throw new NotSupportedException();

        public IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, CancellationToken ct = default) => throw new NotSupportedException();

        public Task SetStreamMetadataAsync(string streamId, StreamMetadata metadata, CancellationToken ct = default) => throw new NotSupportedException();

        public Task<StreamMetadata> GetStreamMetadataAsync(string streamId, CancellationToken ct = default) => throw new NotSupportedException();

        public Task SoftDeleteAsync(string streamId, CancellationToken ct = default) => throw new NotSupportedException();
    }
}
