namespace EventSourced.Projections.Runner;

public static class StreamIds
{
    /// <summary>The id inside a stream id made by <paramref name="streamIdOf"/> (message-{id}, conversation-{id}); null for any other stream.</summary>
    public static Guid? GuidOf(string streamId, Func<Guid, string> streamIdOf) =>
        Guid.TryParse(streamId.Length >= 36 ? streamId[^36..] : "", out var id) && streamIdOf(id) == streamId ? id : null;
}
