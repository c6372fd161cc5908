using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace EventSourced.Application.Privacy;

/// <summary>
/// What each recently used key needs set up before it seals or opens anything: its AES-GCM
/// instance (1.1 µs to make) and the key its nonces are hashed with (1.3 µs), together twice a
/// scope's encryption (ADR 0025). One cache for the whole process, so a node writing for more
/// subjects than one thread's cache held still finds its keys set up. Once
/// <paramref name="capacity"/> entries were made it empties and starts again, as the key ring does.
/// A destroyed key is never set up here again: a caller that still holds it (it read the key
/// before the destruction) gets a cipher for that one use.
/// </summary>
internal sealed class KeyCiphers(int capacity, int tagSize)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    // Keys destroyed in this process's life, up to the capacity; then it starts again (a caller
    // that read a key before so many destructions since is not expected to still hold it).
    private readonly ConcurrentDictionary<Guid, bool> _destroyed = new();
    // Entries made since the cache was last emptied, and keys destroyed since the set of them was,
    // rather than ConcurrentDictionary.Count, which takes every lock of the dictionary.
    private long _made;
    private long _destructions;

    /// <summary>
    /// The key's cipher, lent to this caller alone until the lease is disposed: AesGcm is not safe to
    /// use from two threads at once. A second caller of the same key meanwhile gets one of its own.
    /// </summary>
    public Lease Rent(SubjectKey key)
    {
        if (!_entries.TryGetValue(key.Id, out var entry) || !entry.Material.AsSpan().SequenceEqual(key.Material))
        {
            entry = new Entry(key.Material);
            if (_destroyed.ContainsKey(key.Id))
            {
                entry.Destroy();
                return new Lease(entry, new AesGcm(entry.Material, tagSize));
            }

            if (Interlocked.Increment(ref _made) > capacity)
            {
                ForgetAll();
            }

            _entries[key.Id] = entry;
            // Destroyed while this entry was made: its Forget may have run before the entry was
            // kept. Checked after keeping, as Forget marks before it removes, so one sees the other.
            if (_destroyed.ContainsKey(key.Id))
            {
                Remove(key.Id);
            }
        }

        return new Lease(entry, Interlocked.Exchange(ref entry.Idle, null) ?? new AesGcm(entry.Material, tagSize));
    }

    /// <summary>A destroyed key's set-up material leaves memory with it, and is not made again.</summary>
    public void Forget(Guid keyId)
    {
        if (Interlocked.Increment(ref _destructions) > capacity)
        {
            Interlocked.Exchange(ref _destructions, 1);
            _destroyed.Clear();
        }

        _destroyed[keyId] = true;
        Remove(keyId);
    }

    /// <summary>Every key leaves memory: when the cache is full, or when some key may have been destroyed unheard.</summary>
    public void ForgetAll()
    {
        Interlocked.Exchange(ref _made, 1);
        foreach (var id in _entries.Keys)
        {
            _entries.TryRemove(id, out var entry);
            entry?.Release();
        }
    }

    private void Remove(Guid keyId)
    {
        if (_entries.TryRemove(keyId, out var entry))
        {
            entry.Destroy();
        }
    }

    public readonly struct Lease(Entry entry, AesGcm aes) : IDisposable
    {
        public AesGcm Aes => aes;

        public byte[] NonceKey => entry.NonceKey;

        // Back to the entry for the next caller; disposed if another caller's instance got there
        // first, or if the key was destroyed while it was lent.
        public void Dispose()
        {
            if (Interlocked.CompareExchange(ref entry.Idle, aes, null) is not null)
            {
                aes.Dispose();
            }
            else if (entry.Destroyed)
            {
                // Destroy may have run before the instance came back: it is disposed here then.
                entry.Release();
            }
        }
    }

    internal sealed class Entry(byte[] material)
    {
        // Not lent to anyone right now: null while a caller holds it (or before its first return).
        public AesGcm? Idle;

        private volatile bool _destroyed;

        public byte[] Material { get; } = material;

        // A key of its own for nonces, derived from the subject's key, rather than the AES key itself.
        public byte[] NonceKey { get; } = HMACSHA256.HashData(material, "nonce"u8);

        public bool Destroyed => _destroyed;

        /// <summary>The key was destroyed: what comes back to this entry is disposed rather than kept.</summary>
        public void Destroy()
        {
            _destroyed = true;
            Release();
        }

        public void Release() => Interlocked.Exchange(ref Idle, null)?.Dispose();
    }
}
