using System.Collections.Concurrent;
using EventSourced.Domain.Privacy;

namespace EventSourced.Application.Privacy;

/// <summary>
/// The keys this node has used, in memory, in front of <see cref="ISubjectKeyStore"/>: appends
/// and reads would otherwise cost a round trip for each key. A destroyed key is dropped from every
/// node's ring as soon as it hears of it (<see cref="Forget"/>), and everything folded from events
/// is forgotten with it (<see cref="KeyDestroyed"/>). Once <paramref name="capacity"/> entries
/// (aliases and keys) were written, it empties and starts again from the store.
/// </summary>
public sealed class SubjectKeyRing(ISubjectKeyStore store, int capacity = 200_000)
{
    private readonly ConcurrentDictionary<string, SubjectKey> _byAlias = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, byte[]?> _byId = new();
    // The round trip is shared by every caller in a group, so no one caller's token may cancel it.
    private readonly KeyCreationGroups _creation = new(subjects => store.GetOrCreateAsync(subjects, CancellationToken.None));
    private long _destructions;
    // Entries written since the ring was last emptied (one written twice counts twice), rather than
    // ConcurrentDictionary.Count, which takes every lock of the dictionary: measured at 39% of the
    // CPU of an append that makes a new subject's key.
    private long _written;

    /// <summary>Raised when a key was destroyed, here or on another node.</summary>
    public event Action? KeyDestroyed;

    /// <summary>Each subject's key, from memory where it is and in one round trip for the rest (created if new).</summary>
    public async ValueTask<IReadOnlyList<SubjectKey>> KeysForAsync(IReadOnlyList<Subject> subjects, CancellationToken ct)
    {
        var keys = new SubjectKey[subjects.Count];
        var missing = new List<int>();
        for (var i = 0; i < subjects.Count; i++)
        {
            if (Known(subjects[i]) is { } known)
            {
                keys[i] = known;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count == 0)
        {
            return keys;
        }

        var seen = DestructionsHeard;
        var fetched = await _creation.KeysForAsync(missing.Select(i => subjects[i].Aliases), ct);
        if (fetched.Any(k => k.IsDestroyed))
        {
            throw new ForgottenSubjectException();
        }

        for (var m = 0; m < missing.Count; m++)
        {
            keys[missing[m]] = fetched[m];
        }

        Remember(missing.Select(m => (subjects[m], keys[m])), seen);
        return keys;
    }

    /// <summary>
    /// The subject's key if this node holds it under every name of the subject, the same key for
    /// each. Otherwise the key store must record what this subject says: a buyer known by phone and
    /// now named with a new email, whose email must lead to the buyer's key; or names that lead to
    /// two keys, which must be linked, or forgetting by one name would miss what the other holds.
    /// </summary>
    public SubjectKey? Known(Subject subject)
    {
        SubjectKey? key = null;
        foreach (var alias in subject.Aliases)
        {
            if (!_byAlias.TryGetValue(alias, out var known) || (key is not null && known.Id != key.Id))
            {
                return null;
            }

            key ??= known;
        }

        return key;
    }

    /// <summary>Whether this node holds a key under any name of the subject.</summary>
    public bool KnowsAnyAlias(Subject subject) => subject.Aliases.Any(_byAlias.ContainsKey);

    /// <summary>How many destructions this node has heard of: read before fetching keys, for <see cref="Remember"/>.</summary>
    public long DestructionsHeard => Interlocked.Read(ref _destructions);

    /// <summary>
    /// Keeps subjects' keys read or stored since <paramref name="seen"/> (<see cref="DestructionsHeard"/>)
    /// in memory, unless a destruction was heard meanwhile, which may concern one of them (<see cref="Keep"/>).
    /// </summary>
    public void Remember(IEnumerable<(Subject Subject, SubjectKey Key)> keys, long seen)
    {
        var remembered = keys.ToList();
        Keep(seen, [.. remembered.Select(k => (k.Key.Id, (byte[]?)k.Key.Material))], [.. remembered.SelectMany(k => k.Subject.Aliases.Select(alias => (alias, k.Key)))]);
    }

    /// <summary>
    /// These keys, from memory where they are and in one round trip for the rest: material for a
    /// live key, null for a destroyed one; a key that is not there at all is absent.
    /// </summary>
    public async ValueTask<IReadOnlyDictionary<Guid, byte[]?>> KeysAsync(IReadOnlyCollection<Guid> keyIds, CancellationToken ct)
    {
        var keys = new Dictionary<Guid, byte[]?>(keyIds.Count);
        var missing = new HashSet<Guid>();
        foreach (var id in keyIds)
        {
            if (_byId.TryGetValue(id, out var material))
            {
                keys[id] = material;
            }
            else
            {
                missing.Add(id);
            }
        }

        if (missing.Count == 0)
        {
            return keys;
        }

        var seen = DestructionsHeard;
        var found = await store.FindAsync(missing, ct);
        Keep(seen, [.. found.Select(f => (f.Key, f.Value))], []);
        foreach (var (id, material) in found)
        {
            if (missing.Contains(id))
            {
                keys[id] = material;
            }
        }

        return keys;
    }

    public Task<IReadOnlyList<Guid>> KeysOfAliasAsync(string alias, CancellationToken ct) => store.KeysOfAliasAsync(alias, ct);

    public async Task DestroyAsync(Guid keyId, SubjectKind kind, CancellationToken ct)
    {
        await store.DestroyAsync(keyId, kind, ct);
        Forget(keyId);
    }

    /// <summary>The key was destroyed (here, or on another node): from now on it reads as destroyed.</summary>
    public void Forget(Guid keyId)
    {
        Interlocked.Increment(ref _destructions);
        _byId[keyId] = null;
        FieldCipher.Forget(keyId);
        foreach (var alias in _byAlias.Where(a => a.Value.Id == keyId).Select(a => a.Key).ToList())
        {
            _byAlias.TryRemove(alias, out _);
        }

        KeyDestroyed?.Invoke();
    }

    /// <summary>
    /// A record of the key's forgetting was read in the store's order: whatever comes after it reads
    /// the key as destroyed, though the destruction follows the record (<see cref="SubjectForgetting"/>)
    /// and may not have reached the store or this node yet. A key held here is forgotten as on a
    /// destruction; one not held is kept as destroyed, with no more to clear.
    /// </summary>
    public void RecordedForgotten(Guid keyId)
    {
        if (_byId.TryGetValue(keyId, out var material) && material is not null)
        {
            Forget(keyId);
        }
        else
        {
            // Counted like any entry written: a rebuild passes every forgetting ever recorded.
            MakeRoom();
            _byId[keyId] = null;
            Interlocked.Increment(ref _written);
        }
    }

    /// <summary>Everything may have changed while this node was not listening: start again from the store.</summary>
    public void ForgetAll()
    {
        Interlocked.Increment(ref _destructions);
        Empty();
        FieldCipher.ForgetAll();
        KeyDestroyed?.Invoke();
    }

    /// <summary>
    /// Keeps keys, and the aliases leading to them, read or stored since <paramref name="seen"/>,
    /// unless a destruction was heard meanwhile. One heard while they are written may have had its
    /// <see cref="Forget"/> run before they were, putting a destroyed key back (a test caught it in
    /// about 1 try of 100): they are taken out again then, each only if it is still the one
    /// written. What is taken out is read from the store next time.
    /// </summary>
    private void Keep(long seen, IReadOnlyCollection<(Guid Id, byte[]? Material)> keys, IReadOnlyCollection<(string Alias, SubjectKey Key)> aliases)
    {
        if (!MayKeep(seen))
        {
            return;
        }

        foreach (var (alias, key) in aliases)
        {
            _byAlias[alias] = key;
        }

        foreach (var (id, material) in keys)
        {
            // A key known destroyed stays so: read before its destruction, it is not live again.
            _byId.AddOrUpdate(id, material, (_, known) => known is null ? null : material);
        }

        Interlocked.Add(ref _written, keys.Count + aliases.Count);
        if (DestructionsHeard == seen)
        {
            return;
        }

        foreach (var alias in aliases)
        {
            _byAlias.TryRemove(KeyValuePair.Create(alias.Alias, alias.Key));
        }

        foreach (var key in keys)
        {
            _byId.TryRemove(KeyValuePair.Create(key.Id, key.Material));
        }
    }

    /// <summary>
    /// Whether keys read since <paramref name="seen"/> may be kept in memory (making room for them):
    /// not when a destruction was heard meanwhile, which may concern one of them; then they are used once.
    /// </summary>
    private bool MayKeep(long seen)
    {
        if (Interlocked.Read(ref _destructions) != seen)
        {
            return false;
        }

        MakeRoom();
        return true;
    }

    private void MakeRoom()
    {
        if (Interlocked.Read(ref _written) >= capacity)
        {
            Empty();
        }
    }

    private void Empty()
    {
        Interlocked.Exchange(ref _written, 0);
        _byAlias.Clear();
        _byId.Clear();
    }
}
