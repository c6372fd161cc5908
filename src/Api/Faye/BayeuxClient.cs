using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace EventSourced.Api.Faye;

/// <summary>One handshaken Bayeux client: who it is, what it listens to, and what waits for its next connect.</summary>
public sealed class BayeuxClient(string id, ClaimsPrincipal principal, DateTimeOffset now)
{
    // Bounded: a client that stops connecting loses its oldest messages, never the node's memory.
    private readonly Channel<JsonObject> _queue = Channel.CreateBounded<JsonObject>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });

    public string Id { get; } = id;

    public ClaimsPrincipal Principal { get; } = principal;

    public ConcurrentDictionary<string, byte> Subscriptions { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset LastSeen { get; private set; } = now;

    public void Seen(DateTimeOffset now) => LastSeen = now;

    public void Enqueue(JsonObject message) => _queue.Writer.TryWrite(message);

    /// <summary>
    /// Waits until a message is queued, the wait ends or the node is stopping (<paramref name="stopping"/>),
    /// then takes whatever is queued.
    /// </summary>
    public async Task<List<JsonObject>> TakeAsync(TimeSpan wait, CancellationToken stopping, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        timeout.CancelAfter(wait);
        try
        {
            await _queue.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The long poll's time is up: an empty answer.
        }

        var taken = new List<JsonObject>();
        while (_queue.Reader.TryRead(out var message))
        {
            taken.Add(message);
        }

        return taken;
    }

    /// <summary>Whether one of its subscriptions matches the channel: the name itself, or a pattern ending in * (one segment) or ** (any).</summary>
    public bool Listens(string channel) => Subscriptions.Keys.Any(s => Matches(s, channel));

    private static bool Matches(string subscription, string channel)
    {
        if (subscription.EndsWith("/**", StringComparison.Ordinal))
        {
            return channel.StartsWith(subscription[..^2], StringComparison.Ordinal);
        }

        if (subscription.EndsWith("/*", StringComparison.Ordinal))
        {
            var prefix = subscription[..^1];
            return channel.StartsWith(prefix, StringComparison.Ordinal) && !channel[prefix.Length..].Contains('/', StringComparison.Ordinal);
        }

        return subscription == channel;
    }
}

/// <summary>The node's Bayeux clients; those that stop connecting are forgotten (Faye:ClientTimeout).</summary>
public sealed class BayeuxClients(FayeOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, BayeuxClient> _clients = new(StringComparer.Ordinal);

    public BayeuxClient Add(ClaimsPrincipal principal)
    {
        var client = new BayeuxClient(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), principal, clock.GetUtcNow());
        _clients[client.Id] = client;
        return client;
    }

    public BayeuxClient? Find(string? id)
    {
        if (id is null || !_clients.TryGetValue(id, out var client))
        {
            return null;
        }

        client.Seen(clock.GetUtcNow());
        return client;
    }

    public void Remove(string id) => _clients.TryRemove(id, out _);

    public IEnumerable<BayeuxClient> All => _clients.Values;

    /// <returns>How many were forgotten.</returns>
    public int ForgetIdle()
    {
        var cutoff = clock.GetUtcNow() - options.ClientTimeout;
        var idle = _clients.Values.Where(c => c.LastSeen < cutoff).ToList();
        idle.ForEach(c => _clients.TryRemove(c.Id, out _));
        return idle.Count;
    }
}

/// <summary>Bayeux settings (section Faye).</summary>
public sealed class FayeOptions
{
    /// <summary>How long a /meta/connect is held when nothing is to be sent (advice.timeout).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long the client waits between connects (advice.interval).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.Zero;

    /// <summary>A client not heard from for this long is forgotten: its next message is told to handshake again.</summary>
    public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
