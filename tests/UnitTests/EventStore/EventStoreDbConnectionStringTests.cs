using System.Net;
using EventSourced.Infrastructure.EventStoreDb;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

public sealed class EventStoreDbConnectionStringTests
{
    [Fact]
    public void Tls_is_on_unless_turned_off_and_the_port_defaults_to_2113()
    {
        var secure = EventStoreDbConnectionString.Parse("esdb://db.example:2113");
        var insecure = EventStoreDbConnectionString.Parse("esdb://localhost?tls=false");

        secure.AddressOf(secure.Hosts[0]).Should().Be(new Uri("https://db.example:2113/"));
        insecure.AddressOf(insecure.Hosts[0]).Should().Be(new Uri("http://localhost:2113/"));
        (secure.Discover, secure.NodePreference).Should().Be((false, NodePreference.Leader), "one host is a single node, used as it is");
    }

    [Fact]
    public void Credentials_certificate_checks_and_deadline_come_from_the_string()
    {
        var settings = EventStoreDbConnectionString.Parse("esdb://admin:chan%40geit@node1:2114?tls=true&tlsVerifyCert=false&defaultDeadline=2500");

        settings.AddressOf(settings.Hosts[0]).Should().Be(new Uri("https://node1:2114/"));
        settings.Authorization!.Scheme.Should().Be("Basic");
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(settings.Authorization.Parameter!)).Should().Be("admin:chan@geit");
        settings.VerifyCertificate.Should().BeFalse();
        settings.DefaultDeadline.Should().Be(TimeSpan.FromMilliseconds(2500));
    }

    [Fact]
    public void Several_hosts_or_discover_are_gossip_seeds_with_the_discovery_settings()
    {
        var cluster = EventStoreDbConnectionString.Parse("esdb://node1:2114,node2,node3:2116?tls=false&nodePreference=follower&maxDiscoverAttempts=3&discoveryInterval=50&gossipTimeout=700");
        var discovered = EventStoreDbConnectionString.Parse("esdb+discover://cluster.example:2113");

        cluster.Hosts.Should().Equal(new DnsEndPoint("node1", 2114), new DnsEndPoint("node2", 2113), new DnsEndPoint("node3", 2116));
        (cluster.Discover, cluster.NodePreference, cluster.MaxDiscoverAttempts, cluster.DiscoveryInterval, cluster.GossipTimeout)
            .Should().Be((true, NodePreference.Follower, 3, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(700)));
        (discovered.Discover, discovered.NodePreference).Should().Be((true, NodePreference.Leader));
    }

    [Theory]
    [InlineData("http://localhost:2113")]
    [InlineData("esdb://")]
    [InlineData("esdb://node1?nodePreference=nearest")]
    public void Anything_else_is_refused(string connectionString) =>
        FluentActions.Invoking(() => EventStoreDbConnectionString.Parse(connectionString)).Should().Throw<FormatException>();
}
