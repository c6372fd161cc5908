using EventSourced.Application.EventStore;

namespace EventSourced.IntegrationTests.Support;

/// <summary>Small builders for events and unique stream names.</summary>
public static class Events
{
    public static string NewStream(string category = "test") => $"{category}-{Guid.NewGuid():N}";

    public static EventData One(string type = "something_happened", int value = 0, EventMetadata? metadata = null) =>
        new(Guid.CreateVersion7(), type, $$"""{"value":{{value}}}""", metadata ?? EventMetadata.Empty);

    public static EventData[] Many(int count, string type = "something_happened") =>
        Enumerable.Range(0, count).Select(i => One(type, i)).ToArray();
}
