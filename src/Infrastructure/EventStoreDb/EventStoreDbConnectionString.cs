using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>Which node serves reads; writes always go to the leader.</summary>
public enum NodePreference
{
    Leader,
    Follower,
    Random,
}

/// <summary>
/// An EventStoreDB connection string, read as EventStoreDB's own clients read it:
/// <c>esdb://[user:password@]host[:port][,host[:port]...][?tls=false&amp;tlsVerifyCert=false&amp;defaultDeadline=ms&amp;nodePreference=leader|follower|random&amp;maxDiscoverAttempts=n&amp;discoveryInterval=ms&amp;gossipTimeout=ms]</c>.
/// TLS is on unless tls=false. One host with esdb:// is a single node, used as it is; several
/// hosts, or esdb+discover://, are gossip seeds through which the cluster's leader is found.
/// </summary>
public sealed record EventStoreDbConnectionString(
    IReadOnlyList<DnsEndPoint> Hosts,
    bool Discover,
    bool Tls,
    AuthenticationHeaderValue? Authorization,
    bool VerifyCertificate,
    TimeSpan DefaultDeadline,
    NodePreference NodePreference,
    int MaxDiscoverAttempts,
    TimeSpan DiscoveryInterval,
    TimeSpan GossipTimeout)
{
    private const int DefaultPort = 2113;

    /// <summary>The address of a node's gRPC (HTTP) endpoint.</summary>
    public Uri AddressOf(DnsEndPoint node) => new UriBuilder(Tls ? "https" : "http", node.Host, node.Port).Uri;

    public static EventStoreDbConnectionString Parse(string connectionString)
    {
        var schemeEnd = connectionString.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? connectionString[..schemeEnd] : "";
        if (scheme is not ("esdb" or "esdb+discover"))
        {
            throw new FormatException("An EventStoreDB connection string starts with esdb:// or esdb+discover:// (for example esdb://admin:changeit@localhost:2113?tls=false).");
        }

        var rest = connectionString[(schemeEnd + 3)..];
        var queryStart = rest.IndexOf('?');
        var query = queryStart >= 0 ? rest[(queryStart + 1)..] : "";
        var authority = (queryStart >= 0 ? rest[..queryStart] : rest).TrimEnd('/');
        AuthenticationHeaderValue? authorization = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var credentials = Uri.UnescapeDataString(authority[..at]);
            authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
            authority = authority[(at + 1)..];
        }

        var hosts = authority.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Host).ToList();
        if (hosts.Count == 0)
        {
            throw new FormatException("The EventStoreDB connection string names no host.");
        }

        var settings = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "", StringComparer.OrdinalIgnoreCase);
        string? Setting(string name) => settings.TryGetValue(name, out var value) ? value : null;
        TimeSpan Milliseconds(string name, int otherwise) => TimeSpan.FromMilliseconds(Setting(name) is { } ms ? long.Parse(ms, CultureInfo.InvariantCulture) : otherwise);
        return new EventStoreDbConnectionString(
            hosts,
            Discover: scheme == "esdb+discover" || hosts.Count > 1,
            Tls: Setting("tls") is not { } tls || bool.Parse(tls),
            authorization,
            VerifyCertificate: Setting("tlsVerifyCert") is not { } verify || bool.Parse(verify),
            DefaultDeadline: Milliseconds("defaultDeadline", 10_000),
            NodePreference: Setting("nodePreference") is not { } preference ? NodePreference.Leader
                : Enum.TryParse<NodePreference>(preference, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                : throw new FormatException($"nodePreference is leader, follower or random, not '{preference}'."),
            MaxDiscoverAttempts: Setting("maxDiscoverAttempts") is { } attempts ? int.Parse(attempts, CultureInfo.InvariantCulture) : 10,
            DiscoveryInterval: Milliseconds("discoveryInterval", 100),
            GossipTimeout: Milliseconds("gossipTimeout", 5_000));
    }

    private static DnsEndPoint Host(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0
            ? new DnsEndPoint(host[..colon], int.Parse(host[(colon + 1)..], CultureInfo.InvariantCulture))
            : new DnsEndPoint(host, DefaultPort);
    }
}
