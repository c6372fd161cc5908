using System.Net.Http.Headers;
using System.Text;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// An EventStoreDB connection string: esdb://[user:password@]host[:port][?tls=false&amp;tlsVerifyCert=false&amp;defaultDeadline=ms].
/// TLS is on unless tls=false, as in EventStoreDB's own clients. Of several hosts the first is
/// used (no gossip discovery); esdb+discover:// is read the same way.
/// </summary>
public sealed record EventStoreDbConnectionString(Uri Address, AuthenticationHeaderValue? Authorization, bool VerifyCertificate, TimeSpan DefaultDeadline)
{
    public static EventStoreDbConnectionString Parse(string connectionString)
    {
        var schemeEnd = connectionString.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? connectionString[..schemeEnd] : "";
        if (scheme is not ("esdb" or "esdb+discover"))
        {
            throw new FormatException("An EventStoreDB connection string starts with esdb:// (for example esdb://admin:changeit@localhost:2113?tls=false).");
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

        var host = authority.Split(',')[0];
        if (host.Length == 0)
        {
            throw new FormatException("The EventStoreDB connection string names no host.");
        }

        var settings = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "", StringComparer.OrdinalIgnoreCase);
        var tls = !settings.TryGetValue("tls", out var t) || bool.Parse(t);
        var verify = !settings.TryGetValue("tlsVerifyCert", out var v) || bool.Parse(v);
        var deadline = settings.TryGetValue("defaultDeadline", out var ms) ? TimeSpan.FromMilliseconds(long.Parse(ms, System.Globalization.CultureInfo.InvariantCulture)) : TimeSpan.FromSeconds(10);
        var address = new UriBuilder(tls ? "https" : "http", host.Split(':')[0], host.Contains(':') ? int.Parse(host.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) : 2113).Uri;
        return new EventStoreDbConnectionString(address, authorization, verify, deadline);
    }
}
