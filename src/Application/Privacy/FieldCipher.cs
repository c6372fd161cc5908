using System.Security.Cryptography;
using System.Text;

namespace EventSourced.Application.Privacy;

/// <summary>
/// Encrypts one personal field with AES-256-GCM under its subject's key, as
/// <c>enc:v1:{key id}:{base64(nonce | tag | ciphertext)}</c>. The nonce is derived from the key,
/// the event id, the field and the value (a synthetic IV), so encrypting the same event again
/// yields the same text: a retried append is still recognised as the same events.
/// </summary>
public static class FieldCipher
{
    private const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int KeyIdLength = 32;

    public static string Encrypt(Guid keyId, byte[] key, Guid eventId, string field, string value)
    {
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedValue = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedValue.AsSpan(0, NonceSize);
        Nonce(key, eventId, field, plain).AsSpan(0, NonceSize).CopyTo(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), AssociatedData(keyId));
        return $"{Prefix}{keyId:N}:{Convert.ToBase64String(sealedValue)}";
    }

    /// <summary>The key id of an encrypted field, or null for a value written in clear (before encryption, or with it off).</summary>
    public static Guid? KeyIdOf(string value) =>
        value.Length > Prefix.Length + KeyIdLength && value.StartsWith(Prefix, StringComparison.Ordinal)
        && Guid.TryParseExact(value.AsSpan(Prefix.Length, KeyIdLength), "N", out var id)
            ? id
            : null;

    /// <summary>The value, or null when the text was not encrypted under this key or was tampered with.</summary>
    public static string? Decrypt(byte[] key, string value)
    {
        var keyId = KeyIdOf(value) ?? throw new ArgumentException("Not an encrypted field.", nameof(value));
        byte[] sealedValue;
        try
        {
            sealedValue = Convert.FromBase64String(value[(Prefix.Length + KeyIdLength + 1)..]);
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
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain, AssociatedData(keyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plain);
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    private static byte[] Nonce(byte[] key, Guid eventId, string field, byte[] plain)
    {
        var fieldBytes = Encoding.UTF8.GetBytes(field);
        var input = new byte[16 + fieldBytes.Length + 1 + plain.Length];
        eventId.TryWriteBytes(input);
        fieldBytes.CopyTo(input, 16);
        plain.CopyTo(input, 16 + fieldBytes.Length + 1);
        // A key of its own for nonces, derived from the subject's key, rather than the AES key itself.
        return HMACSHA256.HashData(HMACSHA256.HashData(key, "nonce"u8), input);
    }

    private static byte[] AssociatedData(Guid keyId) => keyId.ToByteArray();
}
