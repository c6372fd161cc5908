using EventSourced.Application.EventStore;

namespace EventSourced.Benchmarks;

/// <summary>Events shaped like the product's: a ~200-byte body and correlation metadata.</summary>
internal static class Payload
{
    public const string Owner = "owner-1";

    /// <summary>The personal values of <see cref="ContactAdded"/>: name, Telegram and WhatsApp (Viber is null).</summary>
    public static readonly string[] ContactValues = ["Artem Ivanov", "@artem_ivanov", "+4915112345678"];

    private static readonly EventMetadata Metadata = new(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), "benchmark-user");

    public static EventData[] Events(int count) => Enumerable.Range(0, count).Select(_ => ContactAdded(Guid.NewGuid())).ToArray();

    public static EventData ContactAdded(Guid contactId) => new(
        Guid.CreateVersion7(),
        "contact_added",
        $$"""{"contactId":"{{contactId}}","ownerId":"{{Owner}}","name":"{{ContactValues[0]}}","telegram":"{{ContactValues[1]}}","whatsApp":"{{ContactValues[2]}}","viber":null,"addedBy":"{{Owner}}","addedAt":"2026-11-22T06:00:00+00:00"}""",
        Metadata);
}
