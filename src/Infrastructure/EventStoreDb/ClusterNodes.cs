using System.Collections.Concurrent;
using System.Net;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using static EventSourced.Infrastructure.EventStoreDb.Protocol.MemberInfo.Types;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// Where calls go. A single-node connection string names the node. In a cluster, as EventStoreDB's
/// own clients do, the gossip seeds are asked for the members: writes go to the leader, reads to
/// the node the preference picks. A "not leader" answer points writes at the leader it names; a
/// lost or unready node makes the next call ask the cluster again.
/// </summary>
internal sealed class ClusterNodes(EventStoreDbConnectionString settings, Func<Uri, GrpcChannel> channelFor) : IDisposable
{
    private readonly ConcurrentDictionary<DnsEndPoint, GrpcChannel> _channels = new();
    private readonly SemaphoreSlim _discovering = new(1, 1);
    private volatile Topology? _topology;

    public bool IsCluster => settings.Discover;

    public async ValueTask<GrpcChannel> ChannelAsync(bool write, CancellationToken ct)
    {
        var topology = _topology ?? await DiscoverAsync(ct);
        return Channel(write ? topology.Leader : topology.Reader);
    }

    /// <summary>A node answered "not leader" and named the leader: writes (and leader reads) go there from now on.</summary>
    public void LeaderIs(DnsEndPoint leader)
    {
        var reader = _topology?.Reader is { } current && settings.NodePreference != NodePreference.Leader ? current : leader;
        _topology = new Topology(leader, reader);
    }

    /// <summary>A node was lost, is not ready or knows no leader: the next call asks the cluster again.</summary>
    public void Rediscover()
    {
        if (IsCluster)
        {
            _topology = null;
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _discovering.Dispose();
    }

    private GrpcChannel Channel(DnsEndPoint node) => _channels.GetOrAdd(node, n => channelFor(settings.AddressOf(n)));

    private async Task<Topology> DiscoverAsync(CancellationToken ct)
    {
        if (!IsCluster)
        {
            return _topology ??= new Topology(settings.Hosts[0], settings.Hosts[0]);
        }

        await _discovering.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                // Another call may have found it while this one waited.
                if (_topology is { } found)
                {
                    return found;
                }

                foreach (var seed in settings.Hosts)
                {
                    if (await MembersAsync(seed, ct) is { } members && Choose(members) is { } topology)
                    {
                        return _topology = topology;
                    }
                }

                if (attempt >= settings.MaxDiscoverAttempts)
                {
                    throw new EventStoreDbException(StatusCode.Unavailable, $"No leader found through the gossip seeds {string.Join(", ", settings.Hosts.Select(h => $"{h.Host}:{h.Port}"))} in {attempt} attempts.");
                }

                // An election may be under way.
                await Task.Delay(settings.DiscoveryInterval, ct);
            }
        }
        finally
        {
            _discovering.Release();
        }
    }

    /// <summary>The members as this seed sees them, or null when it does not answer.</summary>
    private async Task<IReadOnlyList<MemberInfo>?> MembersAsync(DnsEndPoint seed, CancellationToken ct)
    {
        try
        {
            var gossip = new Gossip.GossipClient(Channel(seed));
            return (await gossip.ReadAsync(new Empty(), StreamsCalls.Options(settings, settings.GossipTimeout, ct))).Members;
        }
        catch (RpcException) when (!ct.IsCancellationRequested)
        {
            return null; // a lost seed: ask the next one
        }
    }

    private Topology? Choose(IReadOnlyList<MemberInfo> members)
    {
        var alive = members.Where(m => m.IsAlive).ToList();
        if (alive.FirstOrDefault(m => m.State == VNodeState.Leader) is not { } leader)
        {
            return null;
        }

        var followers = alive.Where(m => m.State is VNodeState.Follower or VNodeState.ReadOnlyReplica).ToList();
        var reader = settings.NodePreference switch
        {
            NodePreference.Follower when followers.Count > 0 => followers[Random.Shared.Next(followers.Count)],
            NodePreference.Random => followers.Prepend(leader).ElementAt(Random.Shared.Next(followers.Count + 1)),
            _ => leader,
        };
        return new Topology(EndPoint(leader), EndPoint(reader));
    }

    private static DnsEndPoint EndPoint(MemberInfo member) => new(member.HttpEndPoint.Address, (int)member.HttpEndPoint.Port);

    private sealed record Topology(DnsEndPoint Leader, DnsEndPoint Reader);
}
