namespace EventSourced.Api.Conversations;

/// <summary>Chat:LiveChannels: the server-sent event channels.</summary>
public sealed class LiveChannelOptions
{
    /// <summary>
    /// How often a channel writes a comment line, which EventSource ignores, events or not.
    /// Proxies and load balancers close a response quiet for about a minute (nginx's
    /// proxy_read_timeout, an AWS load balancer's idle time-out: 60 s), and a client whose host
    /// vanished is only found by a write it never acknowledges.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}
