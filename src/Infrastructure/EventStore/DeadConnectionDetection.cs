using System.Globalization;
using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// TCP keepalive on both ends of a node's connections, so that a side whose host vanished (power
/// cut, partition: nothing closed) is found gone within the dead-connection time-out (ADR 0044).
/// Left to the system's defaults that takes over two hours: the server keeps a vanished node's
/// session advisory locks (no other node may lead its read models or run the migration), and a
/// node keeps listening on a connection to a database host that is gone, deaf to notifications.
/// </summary>
public static class DeadConnectionDetection
{
    /// <summary>Probes the system sends unless told otherwise (tcp_keepalive_probes): the client's count, which Npgsql cannot set.</summary>
    private const int SystemProbeCount = 9;

    /// <summary>
    /// The server's side: SET statements for the session (null for a zero time-out). Probes start
    /// after a third of the time-out idle and go every sixth, the last one due at the time-out;
    /// they cover an idle session, as a leader's is between rounds. tcp_user_timeout covers a
    /// session that was sending when its client went: data left unacknowledged that long ends it.
    /// Set per session, so that no operator has to change the server.
    /// </summary>
    public static string? ServerSettings(TimeSpan timeout)
    {
        if (Probing(timeout) is not { } probing)
        {
            return null;
        }

        var (seconds, idle) = probing;
        var interval = Math.Max(1, seconds / 6);
        var count = Math.Max(1, (seconds - idle) / interval);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"SET tcp_keepalives_idle = {idle}; SET tcp_keepalives_interval = {interval}; SET tcp_keepalives_count = {count}; SET tcp_user_timeout = {seconds * 1000}");
    }

    /// <summary>
    /// The client's side, unless the connection string sets its own: after the same idle time,
    /// probes close enough for the system's nine to end by the time-out. This is what tells a
    /// connection that sends nothing, the LISTEN one, that its database's host is gone.
    /// </summary>
    public static void ApplyToClient(NpgsqlConnectionStringBuilder settings, TimeSpan timeout)
    {
        if (settings.TcpKeepAliveTime == 0 && Probing(timeout) is { } probing)
        {
            settings.TcpKeepAliveTime = probing.Idle;
            settings.TcpKeepAliveInterval = Math.Max(1, (probing.Seconds - probing.Idle) / SystemProbeCount);
        }
    }

    /// <summary>The time-out in whole seconds and the idle time before the first probe, a third of it; null for zero.</summary>
    private static (int Seconds, int Idle)? Probing(TimeSpan timeout)
    {
        var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        return seconds > 0 ? (seconds, Math.Max(1, seconds / 3)) : null;
    }
}
