using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EventSourced.Application.Privacy;

/// <summary>
/// Seals the personal fields of one scope (a contact, a customer, a delivery) with a single
/// AES-256-GCM operation under its subject's key, as <c>enc:v2:{key id}:{base64url(nonce | tag |
/// ciphertext)}</c> in one of the scope's personal fields and <see cref="SealedInScope"/> in the
/// others; the values are sealed in the order of the rule's fields. One operation per scope rather
/// than per field: the fixed cost of an AES-GCM call is most of a small field's encryption (ADR 0025).
/// The nonce is derived from the key, the event id, the scope and the values (a synthetic IV), so
/// sealing the same event again yields the same text and a retried append is still recognised.
/// </summary>
public static class FieldCipher
{
    /// <summary>What a sealed scope's other personal fields hold: their values are in the field holding the sealed text.</summary>
    public const string SealedInScope = "enc:v2:^";

    private const string SealedPrefix = "enc:v2:";
    // One field encrypted alone, the format of the first encrypted events: still read, no longer written.
    private const string FieldPrefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int KeyIdLength = 32;
    // Never part of UTF-8 text, so it separates the sealed values without lengths or escaping.
    private const byte Separator = 0xFF;

    // Keys set up for AES-GCM, for the whole process: 16,384 entries of about 1.4 KB (mostly
    // OpenSSL's context), so at most some 23 MB.
    private static readonly KeyCiphers Ciphers = new(16_384, TagSize);

    public static string Seal(SubjectKey key, Guid eventId, int scope, IReadOnlyList<string> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        using var cipher = Ciphers.Rent(key);
        var plainLength = values.Count - 1;
        foreach (var value in values)
        {
            plainLength += Encoding.UTF8.GetByteCount(value);
        }

        var plain = plainLength <= 1024 ? stackalloc byte[plainLength] : new byte[plainLength];
        var at = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                plain[at++] = Separator;
            }

            at += Encoding.UTF8.GetBytes(values[i], plain[at..]);
        }

        var sealedValue = new byte[NonceSize + TagSize + plainLength];
        Nonce(cipher.NonceKey, eventId, scope, plain, sealedValue.AsSpan(0, NonceSize));
        cipher.Aes.Encrypt(sealedValue.AsSpan(0, NonceSize), plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), AssociatedData(key.Id, stackalloc byte[16]));
        // URL-safe base64: no '+' for JSON encoders to escape.
        return string.Concat(SealedPrefix, key.Id.ToString("N"), ":", Base64Url.EncodeToString(sealedValue));
    }

    /// <summary>The values <see cref="Seal"/> sealed, or null when the text was not sealed under this key or was tampered with.</summary>
    public static IReadOnlyList<string>? Open(SubjectKey key, string value)
    {
        if (!value.StartsWith(SealedPrefix, StringComparison.Ordinal) || Decrypted(key, value) is not { } plain)
        {
            return null;
        }

        var values = new List<string>(4);
        var rest = plain.AsSpan();
        for (var end = rest.IndexOf(Separator); end >= 0; end = rest.IndexOf(Separator))
        {
            values.Add(Encoding.UTF8.GetString(rest[..end]));
            rest = rest[(end + 1)..];
        }

        values.Add(Encoding.UTF8.GetString(rest));
        return values;
    }

    /// <summary>A field encrypted alone (<c>enc:v1:</c>), or null when it was not encrypted under this key or was tampered with.</summary>
    public static string? Decrypt(SubjectKey key, string value) =>
        value.StartsWith(FieldPrefix, StringComparison.Ordinal) && Decrypted(key, value) is { } plain ? Encoding.UTF8.GetString(plain) : null;

    /// <summary>The key id of a sealed or encrypted field, or null for a value written in clear (before encryption, or with it off) and for <see cref="SealedInScope"/>.</summary>
    public static Guid? KeyIdOf(string value) =>
        value.Length > SealedPrefix.Length + KeyIdLength
        && (value.StartsWith(SealedPrefix, StringComparison.Ordinal) || value.StartsWith(FieldPrefix, StringComparison.Ordinal))
        && Guid.TryParseExact(value.AsSpan(SealedPrefix.Length, KeyIdLength), "N", out var id)
            ? id
            : null;

    /// <summary>A destroyed key leaves this process's memory.</summary>
    internal static void Forget(Guid keyId) => Ciphers.Forget(keyId);

    /// <summary>Every key leaves this process's memory: some key may have been destroyed unheard.</summary>
    internal static void ForgetAll() => Ciphers.ForgetAll();

    /// <summary>Whether the value is part of a sealed scope (the sealed text or <see cref="SealedInScope"/>) rather than encrypted alone.</summary>
    public static bool IsSealed(string value) => value.StartsWith(SealedPrefix, StringComparison.Ordinal);

    private static byte[]? Decrypted(SubjectKey key, string value)
    {
        if (KeyIdOf(value) != key.Id)
        {
            return null;
        }

        byte[] sealedValue;
        try
        {
            sealedValue = Base64Url.DecodeFromChars(value.AsSpan(SealedPrefix.Length + KeyIdLength + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (sealedValue.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plain = new byte[sealedValue.Length - NonceSize - TagSize];
        try
        {
            using var cipher = Ciphers.Rent(key);
            cipher.Aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain, AssociatedData(key.Id, stackalloc byte[16]));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return plain;
    }

    // The key id is authenticated with the text: a value moved under another key id does not open.
    private static Span<byte> AssociatedData(Guid keyId, Span<byte> buffer)
    {
        keyId.TryWriteBytes(buffer);
        return buffer;
    }

    // SHA-256 over the secret nonce key and the input: a keyed hash is all a synthetic nonce needs
    // (unique per distinct input, unpredictable without the key), at a third of HMAC's cost.
    private static void Nonce(byte[] nonceKey, Guid eventId, int scope, ReadOnlySpan<byte> plain, Span<byte> nonce)
    {
        var length = nonceKey.Length + 16 + sizeof(int) + plain.Length;
        var input = length <= 2048 ? stackalloc byte[length] : new byte[length];
        nonceKey.CopyTo(input);
        eventId.TryWriteBytes(input[nonceKey.Length..]);
        BitConverter.TryWriteBytes(input[(nonceKey.Length + 16)..], scope);
        plain.CopyTo(input[(nonceKey.Length + 16 + sizeof(int))..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[..NonceSize].CopyTo(nonce);
    }
}
