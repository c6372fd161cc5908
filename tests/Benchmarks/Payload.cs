using System.Buffers.Text;
using System.Security.Cryptography;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;

namespace EventSourced.Benchmarks;

/// <summary>Events shaped like the product's: a ~200-byte body and correlation metadata.</summary>
internal static class Payload
{
    public const string Owner = "owner-1";

    /// <summary>The personal values of <see cref="ContactAdded"/>: name, Telegram and WhatsApp (Viber is null).</summary>
    public static readonly string[] ContactValues = ["Artem Ivanov", "@artem_ivanov", "+4915112345678"];

    // Texts as long as the sealed form of ContactValues, random as ciphertext is.
    private static readonly int SealedLength = FieldCipher.Seal(SubjectKey.New(), Guid.Empty, 0, ContactValues).Length;
    private static readonly string[] SealedSizeTexts = [.. Enumerable.Range(0, 1024).Select(_ => RandomText(SealedLength))];

    // By a broadcast scope's name and address lengths (the texts themselves differ, their lengths do not).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int Name, int Address), string[]> SealedSizeTextsOf = new();

    private static readonly EventMetadata Metadata = new(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), "benchmark-user");

    public static EventData[] Events(int count) => Enumerable.Range(0, count).Select(_ => ContactAdded(Guid.NewGuid())).ToArray();

    public static EventData ContactAdded(Guid contactId) => ContactAdded(contactId, ContactValues[0], ContactValues[1], ContactValues[2]);

    /// <summary>
    /// <see cref="ContactAdded"/> as long as it is once sealed, but in clear and made as cheaply:
    /// the name holds text of the sealed text's length (random, as ciphertext is), the other
    /// personal fields the mark a sealed scope leaves in them. Nothing is encrypted, so what it
    /// costs over <see cref="ContactAdded"/> is the sealed rows' size alone.
    /// </summary>
    public static EventData ContactAddedAtSealedSize(Guid contactId) =>
        ContactAdded(contactId, SealedSizeTexts[Random.Shared.Next(SealedSizeTexts.Length)], FieldCipher.SealedInScope, FieldCipher.SealedInScope);

    /// <summary>
    /// A broadcast: one message to these contacts over Telegram and WhatsApp, each delivery's contact
    /// name and address personal (a scope of its own, sealed under its contact's key). Each contact
    /// has a name and ids of its own, as real ones do: the same text in every delivery would let
    /// PostgreSQL compress the plain event far more than any real one.
    /// </summary>
    public static EventData MessageScheduled(IReadOnlyList<Guid> contactIds) => MessageScheduled(contactIds, sealedSize: false);

    /// <summary>The recipients of one broadcast in the benchmarks: two messengers each, so twice as many deliveries (scopes).</summary>
    public const int BroadcastContacts = 50;

    /// <summary>A broadcast to <see cref="BroadcastContacts"/> contacts, each picked by <paramref name="contact"/>.</summary>
    public static Guid[] BroadcastRecipients(Func<Guid> contact) => [.. Enumerable.Range(0, BroadcastContacts).Select(_ => contact())];

    /// <summary>
    /// <see cref="MessageScheduled(IReadOnlyList{Guid})"/> as long as it is once sealed, in clear:
    /// each contact name holds random text of its sealed text's length, each address the mark a
    /// sealed scope leaves. What it costs over the plain one is the sealed rows' size alone.
    /// </summary>
    public static EventData MessageScheduledAtSealedSize(IReadOnlyList<Guid> contactIds) => MessageScheduled(contactIds, sealedSize: true);

    private static EventData MessageScheduled(IReadOnlyList<Guid> contactIds, bool sealedSize)
    {
        var deliveries = contactIds.SelectMany(c => new[] { ("telegram", $"@user_{c.ToString("N")[..10]}"), ("whatsApp", $"+49{BitConverter.ToUInt32(c.ToByteArray()):D10}") }.Select(d =>
        {
            var (name, address) = ($"Contact {c.ToString("N")[^8..]}", d.Item2);
            if (sealedSize)
            {
                // Names and each messenger's addresses have one length each: texts made once for each pair.
                var texts = SealedSizeTextsOf.GetOrAdd((name.Length, address.Length), static lengths =>
                {
                    var sealedLength = FieldCipher.Seal(SubjectKey.New(), Guid.Empty, 0, [new string('x', lengths.Name), new string('x', lengths.Address)]).Length;
                    return [.. Enumerable.Range(0, 1024).Select(_ => RandomText(sealedLength))];
                });
                (name, address) = (texts[Random.Shared.Next(texts.Length)], FieldCipher.SealedInScope);
            }

            return $$"""{"deliveryId":"{{Guid.CreateVersion7()}}","contactId":"{{c}}","contactName":"{{name}}","channel":"{{d.Item1}}","address":"{{address}}"}""";
        }));
        return new(
            Guid.CreateVersion7(),
            "message_scheduled",
            $$"""{"messageId":"{{Guid.CreateVersion7()}}","ownerId":"{{Owner}}","text":"Doors open at 18:00","notBefore":"2026-11-22T06:00:00+00:00","deliveries":[{{string.Join(',', deliveries)}}],"scheduledBy":"{{Owner}}","scheduledAt":"2026-11-22T06:00:00+00:00"}""",
            Metadata);
    }

    private static EventData ContactAdded(Guid contactId, string name, string telegram, string whatsApp) => new(
        Guid.CreateVersion7(),
        "contact_added",
        $$"""{"contactId":"{{contactId}}","ownerId":"{{Owner}}","name":"{{name}}","telegram":"{{telegram}}","whatsApp":"{{whatsApp}}","viber":null,"addedBy":"{{Owner}}","addedAt":"2026-11-22T06:00:00+00:00"}""",
        Metadata);

    private static string RandomText(int length) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(length))[..length];
}
