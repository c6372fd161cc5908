using System.Security.Cryptography;
using EventSourced.Application.Privacy;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// How subjects' keys are stored (ADR 0030): wrapped (AES-256-GCM, the key's id authenticated with
/// it) under a key-encryption key the database never holds, so a dump or backup of the whole
/// database, keys included, holds no personal data in clear. A row names the key-encryption key that
/// wrapped it by its fingerprint, so earlier ones still open their rows while <c>subjects
/// rewrap-keys</c> moves them to the current one. Without a key-encryption key, keys are stored as
/// they are.
/// </summary>
public sealed class KeyWrapping
{
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Dictionary<string, AesGcm> _held;
    // One AesGcm per key-encryption key, used from any thread (it is not safe for two at once): a
    // wrap costs about a microsecond, for a new key or one read from the table only.
    private readonly Lock _lock = new();

    private KeyWrapping(string? currentId, Dictionary<string, AesGcm> held, bool refusesUnwrapped)
    {
        CurrentId = currentId;
        _held = held;
        RefusesUnwrapped = refusesUnwrapped;
    }

    /// <summary>Keys stored as they are.</summary>
    public static KeyWrapping None { get; } = new(null, [], false);

    /// <summary>The fingerprint of the key-encryption key new keys are wrapped under; null when keys are stored as they are.</summary>
    public string? CurrentId { get; }

    /// <summary>The fingerprints of every key-encryption key this node holds, the current one included.</summary>
    public IReadOnlyCollection<string> HeldIds => _held.Keys;

    /// <summary>
    /// Whether a row stored unwrapped reads as not opening (EventStore:RefuseUnwrappedKeys), once
    /// every key was wrapped: someone able to write the keys table could otherwise put a key of their
    /// own in a subject's row, in clear, and new data about the subject would be sealed under it.
    /// </summary>
    public bool RefusesUnwrapped { get; }

    /// <summary>
    /// The key-encryption keys of the configuration: each base64 of 32 random bytes (for example
    /// <c>openssl rand -base64 32</c>). A malformed one fails here, at start-up, naming the setting.
    /// </summary>
    public static KeyWrapping From(string? current, IEnumerable<string> previous, bool refuseUnwrapped = false)
    {
        if (string.IsNullOrWhiteSpace(current))
        {
            return previous.Any() ? throw new InvalidOperationException("EventStore:PreviousKeyEncryptionKeys is set without EventStore:KeyEncryptionKey: set the current one too.")
                : refuseUnwrapped ? throw new InvalidOperationException("EventStore:RefuseUnwrappedKeys is set without EventStore:KeyEncryptionKey: every key would be refused.")
                : None;
        }

        var held = new Dictionary<string, AesGcm>(StringComparer.Ordinal);
        var currentId = Hold(current, "EventStore:KeyEncryptionKey", held);
        foreach (var earlier in previous)
        {
            Hold(earlier, "EventStore:PreviousKeyEncryptionKeys", held);
        }

        return new KeyWrapping(currentId, held, refuseUnwrapped);
    }

    /// <summary>A key-encryption key's fingerprint: the first 8 bytes of its SHA-256, in hex. It names the key and reveals nothing of it.</summary>
    public static string IdOf(ReadOnlySpan<byte> keyEncryptionKey) => Convert.ToHexStringLower(SHA256.HashData(keyEncryptionKey)[..8]);

    /// <summary>
    /// A key's material as stored: wrapped under the current key-encryption key (<see cref="CurrentId"/>)
    /// as nonce, tag and ciphertext, or as it is. The key's id is authenticated with it, so material
    /// moved to another key's row does not open.
    /// </summary>
    public byte[] Wrap(Guid keyId, byte[] material)
    {
        if (CurrentId is null)
        {
            return material;
        }

        var stored = new byte[NonceSize + TagSize + material.Length];
        // Random, not derived from the key's id: rewrapping a row someone altered must never reuse a nonce.
        KeyRandomness.Fill(stored.AsSpan(0, NonceSize));
        lock (_lock)
        {
            _held[CurrentId].Encrypt(stored.AsSpan(0, NonceSize), material, stored.AsSpan(NonceSize + TagSize), stored.AsSpan(NonceSize, TagSize), IdBytes(keyId, stackalloc byte[16]));
        }

        return stored;
    }

    /// <summary>
    /// A key's material from its row; null when the row does not open (altered in the table, moved
    /// from another key's row, or stored unwrapped while <see cref="RefusesUnwrapped"/>; rewrapping
    /// leaves those too). A row wrapped under a key-encryption key this node does not hold throws:
    /// the node is misconfigured, and reading its subjects' data as lost would hide that.
    /// </summary>
    public byte[]? Unwrap(Guid keyId, byte[] stored, string? wrappedBy)
    {
        if (wrappedBy is null)
        {
            return RefusesUnwrapped ? null : stored;
        }

        if (!_held.TryGetValue(wrappedBy, out var kek))
        {
            throw new KeyEncryptionKeyMissingException([wrappedBy]);
        }

        if (stored.Length != NonceSize + TagSize + KeySize)
        {
            return null;
        }

        var material = new byte[KeySize];
        try
        {
            lock (_lock)
            {
                kek.Decrypt(stored.AsSpan(0, NonceSize), stored.AsSpan(NonceSize + TagSize), stored.AsSpan(NonceSize, TagSize), material, IdBytes(keyId, stackalloc byte[16]));
            }

            return material;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static ReadOnlySpan<byte> IdBytes(Guid keyId, Span<byte> buffer)
    {
        keyId.TryWriteBytes(buffer);
        return buffer;
    }

    private static string Hold(string base64, string setting, Dictionary<string, AesGcm> held)
    {
        var key = new byte[KeySize];
        if (!Convert.TryFromBase64String(base64.Trim(), key, out var length) || length != KeySize)
        {
            throw new InvalidOperationException($"{setting} must be base64 of {KeySize} random bytes (openssl rand -base64 32).");
        }

        var id = IdOf(key);
        held.TryAdd(id, new AesGcm(key, TagSize));
        CryptographicOperations.ZeroMemory(key);
        return id;
    }
}

/// <summary>
/// Subjects' keys are wrapped under key-encryption keys this node was not given, or a node started
/// with one it was not given: <paramref name="wrappedKeys"/> says how many live keys each wraps, when known.
/// </summary>
public sealed class KeyEncryptionKeyMissingException(IReadOnlyCollection<string> ids, IReadOnlyDictionary<string, long>? wrappedKeys = null)
    : InvalidOperationException(Explained(ids, wrappedKeys))
{
    public IReadOnlyCollection<string> Ids { get; } = ids;

    private static string Explained(IReadOnlyCollection<string> ids, IReadOnlyDictionary<string, long>? wrappedKeys)
    {
        var wrapping = ids.Where(id => wrappedKeys?.GetValueOrDefault(id) != 0).ToList();
        var sentences = new List<string>();
        if (wrapping.Count > 0)
        {
            var named = wrapping.Select(id => wrappedKeys is null ? id : $"{id} ({wrappedKeys[id]} keys)");
            sentences.Add($"Subjects' keys are wrapped under key-encryption key(s) {string.Join(", ", named)}, which this node does not hold. "
                + "Give it each of them: EventStore:KeyEncryptionKey (the current one) or EventStore:PreviousKeyEncryptionKeys (ADR 0030).");
        }

        // A node started with it and made no key since: a mistyped secret or a trial, most likely.
        sentences.AddRange(ids.Except(wrapping).Select(id =>
            $"Key-encryption key {id}, recorded by a node started with it, wraps no key yet. If no node runs with it any more, "
            + $"`subjects retire-kek {id}` lets nodes start without it; if one does, give this node it too (ADR 0030)."));
        return string.Join(" ", sentences);
    }
}
