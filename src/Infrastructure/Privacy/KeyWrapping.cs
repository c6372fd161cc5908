using System.Security.Cryptography;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// How subjects' keys are stored (ADR 0030): wrapped (RFC 5649, AES key wrap with padding) under a
/// key-encryption key the database never holds, so a dump or backup of the whole database, keys
/// included, holds no personal data in clear. A row names the key-encryption key that wrapped it by
/// its fingerprint, so earlier ones still open their rows while <c>subjects rewrap-keys</c> moves
/// them to the current one. Without a key-encryption key, keys are stored as they are.
/// </summary>
public sealed class KeyWrapping
{
    private const int KeySize = 32;

    private readonly Dictionary<string, Aes> _held;
    // One Aes per key-encryption key, used from any thread: a wrap costs about a microsecond and is
    // done only for a new key or one read from the table, so a lock costs less than an Aes a call.
    private readonly Lock _lock = new();

    private KeyWrapping(string? currentId, Dictionary<string, Aes> held)
    {
        CurrentId = currentId;
        _held = held;
    }

    /// <summary>Keys stored as they are.</summary>
    public static KeyWrapping None { get; } = new(null, []);

    /// <summary>The fingerprint of the key-encryption key new keys are wrapped under; null when keys are stored as they are.</summary>
    public string? CurrentId { get; }

    /// <summary>The fingerprints of every key-encryption key this node holds, the current one included.</summary>
    public IReadOnlyCollection<string> HeldIds => _held.Keys;

    /// <summary>
    /// The key-encryption keys of the configuration: each base64 of 32 random bytes (for example
    /// <c>openssl rand -base64 32</c>). A malformed one fails here, at start-up, naming the setting.
    /// </summary>
    public static KeyWrapping From(string? current, IEnumerable<string> previous)
    {
        if (string.IsNullOrWhiteSpace(current))
        {
            return previous.Any() ? throw new InvalidOperationException("EventStore:PreviousKeyEncryptionKeys is set without EventStore:KeyEncryptionKey: set the current one too.") : None;
        }

        var held = new Dictionary<string, Aes>(StringComparer.Ordinal);
        var currentId = Hold(current, "EventStore:KeyEncryptionKey", held);
        foreach (var earlier in previous)
        {
            Hold(earlier, "EventStore:PreviousKeyEncryptionKeys", held);
        }

        return new KeyWrapping(currentId, held);
    }

    /// <summary>A key-encryption key's fingerprint: the first 8 bytes of its SHA-256, in hex. It names the key and reveals nothing of it.</summary>
    public static string IdOf(ReadOnlySpan<byte> keyEncryptionKey) => Convert.ToHexStringLower(SHA256.HashData(keyEncryptionKey)[..8]);

    /// <summary>A key's material as stored: wrapped under the current key-encryption key (<see cref="CurrentId"/>), or as it is.</summary>
    public byte[] Wrap(byte[] material)
    {
        if (CurrentId is null)
        {
            return material;
        }

        lock (_lock)
        {
            return _held[CurrentId].EncryptKeyWrapPadded(material);
        }
    }

    /// <summary>
    /// A key's material from its row; null when the row does not open (altered in the table). A row
    /// wrapped under a key-encryption key this node does not hold throws: the node is misconfigured,
    /// and reading its subjects' data as lost would hide that.
    /// </summary>
    public byte[]? Unwrap(byte[] stored, string? wrappedBy)
    {
        if (wrappedBy is null)
        {
            return stored;
        }

        if (!_held.TryGetValue(wrappedBy, out var kek))
        {
            throw new KeyEncryptionKeyMissingException([wrappedBy]);
        }

        try
        {
            lock (_lock)
            {
                var material = kek.DecryptKeyWrapPadded(stored);
                return material.Length == KeySize ? material : null;
            }
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string Hold(string base64, string setting, Dictionary<string, Aes> held)
    {
        var key = new byte[KeySize];
        if (!Convert.TryFromBase64String(base64.Trim(), key, out var length) || length != KeySize)
        {
            throw new InvalidOperationException($"{setting} must be base64 of {KeySize} random bytes (openssl rand -base64 32).");
        }

        var id = IdOf(key);
        var aes = Aes.Create();
        aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        held.TryAdd(id, aes);
        return id;
    }
}

/// <summary>Subjects' keys are wrapped under key-encryption keys this node was not given.</summary>
public sealed class KeyEncryptionKeyMissingException(IReadOnlyCollection<string> ids) : InvalidOperationException(
    $"Subjects' keys are wrapped under key-encryption key(s) {string.Join(", ", ids)}, which this node does not hold. "
    + "Give it each of them: EventStore:KeyEncryptionKey (the current one) or EventStore:PreviousKeyEncryptionKeys (ADR 0030).")
{
    public IReadOnlyCollection<string> Ids { get; } = ids;
}
