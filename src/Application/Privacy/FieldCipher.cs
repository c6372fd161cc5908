using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EventSourced.Application.Privacy;

/// <summary>
/// Encrypts one personal field with AES-256-GCM under its subject's key, as
/// <c>enc:v1:{key id}:{base64url(nonce | tag | ciphertext)}</c>. The nonce is derived from the key,
/// the event id, the field and the value (a synthetic IV), so encrypting the same event again
/// yields the same text: a retried append is still recognised as the same events.
/// </summary>
public static class FieldCipher
{
    private const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int KeyIdLength = 32;
    private const int CachedKeys = 256;

    // AesGcm is not safe to share between threads, and setting one up costs more than a field's
    // encryption: each thread keeps its own for the keys it used last.
    [ThreadStatic]
    private static Dictionary<Guid, (byte[] Material, AesGcm Aes, byte[] NonceKey)>? _ciphers;

    public static string Encrypt(SubjectKey key, Guid eventId, string field, string value)
    {
        var (aes, nonceKey) = CipherFor(key);
        var plainLength = Encoding.UTF8.GetByteCount(value);
        var sealedValue = new byte[NonceSize + TagSize + plainLength];
        var plain = plainLength <= 1024 ? stackalloc byte[plainLength] : new byte[plainLength];
        Encoding.UTF8.GetBytes(value, plain);
        Nonce(nonceKey, eventId, field, plain, sealedValue.AsSpan(0, NonceSize));
        Span<byte> associated = stackalloc byte[16];
        key.Id.TryWriteBytes(associated);
        aes.Encrypt(sealedValue.AsSpan(0, NonceSize), plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), associated);
        // URL-safe base64: no '+' for JSON encoders to escape.
        return string.Concat(Prefix, key.Id.ToString("N"), ":", Base64Url.EncodeToString(sealedValue));
    }

    /// <summary>The key id of an encrypted field, or null for a value written in clear (before encryption, or with it off).</summary>
    public static Guid? KeyIdOf(string value) =>
        value.Length > Prefix.Length + KeyIdLength && value.StartsWith(Prefix, StringComparison.Ordinal)
        && Guid.TryParseExact(value.AsSpan(Prefix.Length, KeyIdLength), "N", out var id)
            ? id
            : null;

    /// <summary>The value, or null when the text was not encrypted under this key or was tampered with.</summary>
    public static string? Decrypt(SubjectKey key, string value)
    {
        if (KeyIdOf(value) != key.Id)
        {
            return null;
        }

        byte[] sealedValue;
        try
        {
            sealedValue = Base64Url.DecodeFromChars(value.AsSpan(Prefix.Length + KeyIdLength + 1));
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
            Span<byte> associated = stackalloc byte[16];
            key.Id.TryWriteBytes(associated);
            CipherFor(key).Aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain, associated);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plain);
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    private static (AesGcm Aes, byte[] NonceKey) CipherFor(SubjectKey key)
    {
        _ciphers ??= [];
        if (_ciphers.TryGetValue(key.Id, out var known) && known.Material.AsSpan().SequenceEqual(key.Material))
        {
            return (known.Aes, known.NonceKey);
        }

        if (_ciphers.Count >= CachedKeys)
        {
            foreach (var cipher in _ciphers.Values)
            {
                cipher.Aes.Dispose();
            }

            _ciphers.Clear();
        }

        // A key of its own for nonces, derived from the subject's key, rather than the AES key itself.
        var made = (key.Material, new AesGcm(key.Material, TagSize), HMACSHA256.HashData(key.Material, "nonce"u8));
        _ciphers[key.Id] = made;
        return (made.Item2, made.Item3);
    }

    // SHA-256 over the secret nonce key and the input: a keyed hash is all a synthetic nonce needs
    // (unique per distinct input, unpredictable without the key), at a third of HMAC's cost.
    private static void Nonce(byte[] nonceKey, Guid eventId, string field, ReadOnlySpan<byte> plain, Span<byte> nonce)
    {
        var length = nonceKey.Length + 16 + Encoding.UTF8.GetByteCount(field) + 1 + plain.Length;
        var input = length <= 2048 ? stackalloc byte[length] : new byte[length];
        nonceKey.CopyTo(input);
        eventId.TryWriteBytes(input[nonceKey.Length..]);
        var fieldLength = Encoding.UTF8.GetBytes(field, input[(nonceKey.Length + 16)..]);
        input[nonceKey.Length + 16 + fieldLength] = 0;
        plain.CopyTo(input[(nonceKey.Length + 16 + fieldLength + 1)..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[..NonceSize].CopyTo(nonce);
    }
}
