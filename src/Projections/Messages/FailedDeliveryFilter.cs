using EventSourced.Domain.Messages;

namespace EventSourced.Projections.Messages;

/// <summary>Which failed deliveries: an owner's (null: every owner's), on one messenger, failed since a moment; each left out keeps all.</summary>
/// <param name="Channel">As the deliveries name it: one of <see cref="Channels"/>.</param>
public sealed record FailedDeliveryFilter(string? Owner, string? Channel = null, DateTimeOffset? FailedSince = null)
{
    /// <summary>The messengers as the read model names them: telegram, whatsapp, viber, log, tracker, loadtest.</summary>
    public static readonly IReadOnlyList<string> Channels = [.. Enum.GetNames<Channel>().Select(c => c.ToLowerInvariant())];

    /// <summary>What is wrong with the channel, or null: an unknown one would match nothing and read as "nothing failed".</summary>
    public string? ChannelProblem => Channel is null || Channels.Contains(Channel) ? null : $"channel is one of {string.Join(", ", Channels)}.";

    /// <summary>The filter as an operator typed it: blanks leave a filter out, and a channel may be in any case.</summary>
    public static FailedDeliveryFilter Of(string? owner, string? channel, DateTimeOffset? failedSince) =>
        new(string.IsNullOrWhiteSpace(owner) ? null : owner, string.IsNullOrWhiteSpace(channel) ? null : channel.Trim().ToLowerInvariant(), failedSince);
}
