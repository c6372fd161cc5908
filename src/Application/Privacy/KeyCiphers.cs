using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace EventSourced.Application.Privacy;

/// <summary>
/// What each recently used key needs set up before it seals or opens anything: its AES-GCM
/// instance (1.1 µs to make) and the key its nonces are hashed with (1.3 µs), together twice a
/// scope's encryption (ADR 0025). One cache for the whole process, so a node writing for more
/// subjects than one thread's cache held still finds its keys set up. Once
/// <paramref name="capacity"/> entries were made it empties and starts again, as the key ring does.
/// </summary>
internal sealed class KeyCiphers(int capacity, int tagSize)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    // Entries made since the cache was last emptied, rather than ConcurrentDictionary.Count, which
    // takes every lock of the dictionary.
    private long _made;

    /// <summary>
    /// The key's cipher, lent to this caller alone until the lease is disposed: AesGcm is not safe to
    /// use from two threads at once. A second caller of the same key meanwhile gets one of its own.
    /// </summary>
    public Lease Rent(SubjectKey key)
    {
        if (!_entries.TryGetValue(key.Id, out var entry) || !entry.Material.AsSpan().SequenceEqual(key.Material))
        {
            entry = new Entry(key.Material);
            if (Interlocked.Increment(ref _made) > capacity)
            {
                ForgetAll();
            }

            _entries[key.Id] = entry;
        }

        return new Lease(entry, Interlocked.Exchange(ref entry.Idle, null) ?? new AesGcm(entry.Material, tagSize));
    }

    /// <summary>A destroyed key's set-up material leaves memory with it.</summary>
    public void Forget(Guid keyId)
    {
        if (_entries.TryRemove(keyId, out var entry))
        {
            Interlocked.Exchange(ref entry.Idle, null)?.Dispose();
        }
    }

    /// <summary>Every key leaves memory: when the cache is full, or when some key may have been destroyed unheard.</summary>
    public void ForgetAll()
    {
        Interlocked.Exchange(ref _made, 1);
        foreach (var id in _entries.Keys)
        {
            Forget(id);
        }
    }

    public readonly struct Lease(Entry entry, AesGcm aes) : IDisposable
    {
        public AesGcm Aes => aes;

        public byte[] NonceKey => entry.NonceKey;

        // Back to the entry for the next caller; disposed if another caller's instance got there first.
        public void Dispose()
        {
            if (Interlocked.CompareExchange(ref entry.Idle, aes, null) is not null)
            {
                aes.Dispose();
            }
        }
    }

    internal sealed class Entry(byte[] material)
    {
        // Not lent to anyone right now: null while a caller holds it (or before its first return).
        public AesGcm? Idle;

        public byte[] Material { get; } = material;

        // A key of its own for nonces, derived from the subject's key, rather than the AES key itself.
        public byte[] NonceKey { get; } = HMACSHA256.HashData(material, "nonce"u8);
    }
}
