using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Grpc.Core;
using static EventSourced.Infrastructure.EventStoreDb.Protocol.MemberInfo.Types;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The stand-in's gossip: its cluster's members as it sees them, a stopped one dead.</summary>
internal sealed class FakeEventStoreDbGossip(FakeEventStoreDb node) : Gossip.GossipBase
{
    public override Task<ClusterInfo> Read(Empty request, ServerCallContext context)
    {
        var info = new ClusterInfo();
        info.Members.AddRange(node.Cluster.Select(member => new MemberInfo
        {
            InstanceId = new UUID { String = member.InstanceId.ToString() },
            TimeStamp = DateTime.UtcNow.Ticks,
            State = member.IsLeader ? VNodeState.Leader : VNodeState.Follower,
            IsAlive = !member.IsStopped,
            HttpEndPoint = new EndPoint { Address = "127.0.0.1", Port = (uint)member.Port },
        }));
        return Task.FromResult(info);
    }
}
