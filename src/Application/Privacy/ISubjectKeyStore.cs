using EventSourced.Domain.Privacy;
namespace EventSourced.Application.Privacy;

/// <summary>A subject's data key: 32 random bytes for AES-256-GCM.</summary>
public sealed record SubjectKey(Guid Id, byte[] Material)
{
    /// <summary>
    /// A new key. Its id is time-ordered (UUIDv7), so new keys go at the end of the keys' index
    /// rather than each touching (and, after a checkpoint, writing whole to the WAL) a random page.
    /// </summary>
    public static SubjectKey New() => KeyRandomness.NewKey();

    /// <summary>What the key store gives for a subject whose alias leads to a destroyed key: no material.</summary>
    public static SubjectKey Destroyed(Guid id) => new(id, []);

    public bool IsDestroyed => Material.Length == 0;
}

/// <summary>
/// Where subjects' keys live: a table of their own, never the event store (ADR 0025). A destroyed
/// key leaves a tombstone, so readers can tell a forgotten subject from a key that was lost.
/// </summary>
public interface ISubjectKeyStore
{
    /// <summary>
    /// For each subject (its aliases), in one round trip: the key any of its aliases already has,
    /// else a new key under all of them; <see cref="SubjectKey.Destroyed"/> when an alias leads to a
    /// destroyed key (a contact, once forgotten, is never keyed again).
    /// </summary>
    Task<IReadOnlyList<SubjectKey>> GetOrCreateAsync(IReadOnlyList<IReadOnlyList<string>> subjects, CancellationToken ct);

    /// <summary>For each id known: its material, or null when the key was destroyed. Ids never known are absent.</summary>
    Task<IReadOnlyDictionary<Guid, byte[]?>> FindAsync(IReadOnlyCollection<Guid> keyIds, CancellationToken ct);

    /// <summary>
    /// Every live key an alias leads to: its own, and those of records that named it beside another
    /// subject's alias (a buyer's phone with someone else's email). Forgetting destroys them all.
    /// </summary>
    Task<IReadOnlyList<Guid>> KeysOfAliasAsync(string alias, CancellationToken ct);

    /// <summary>
    /// Destroys the key's material and its links, keeping only the id and when; every node drops it
    /// from memory. Its aliases go too, but for a subject of <see cref="SubjectKind.Contact"/>: a
    /// contact's alias stays, leading to the destroyed key, so that nothing written about the contact
    /// afterwards gets a new key; a buyer or a visitor who comes back is a new subject.
    /// </summary>
    Task DestroyAsync(Guid keyId, SubjectKind kind, CancellationToken ct);
}
