using EventSourced.Application.EventStore;

namespace EventSourced.Benchmarks;

/// <summary>Events shaped like the product's: a ~200-byte body and correlation metadata.</summary>
internal static class Payload
{
    private static readonly EventMetadata Metadata = new(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), "benchmark-user");

    public static EventData[] Events(int count) => Enumerable.Range(0, count).Select(_ => ContactAdded(Guid.NewGuid())).ToArray();

    public static EventData ContactAdded(Guid contactId) => new(
        Guid.CreateVersion7(),
        "contact_added",
        $$"""{"contactId":"{{contactId}}","ownerId":"owner-1","name":"Artem Ivanov","telegram":"@artem_ivanov","whatsApp":"+4915112345678","viber":null,"addedBy":"owner-1","addedAt":"2026-11-22T06:00:00+00:00"}""",
        Metadata);
}
