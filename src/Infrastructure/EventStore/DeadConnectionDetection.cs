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
    /// The server's side: SET statements for the session (null for a zero time-out). Keepalive
    /// probes cover an idle session, as a leader's is between rounds. tcp_user_timeout covers a
    /// session that was sending when its client went: data left unacknowledged that long ends it.
    /// client_connection_check_interval (PostgreSQL 14 and later) covers one running a statement,
    /// a lock wait above all: a backend looks at its socket only between statements, so one
    /// waiting for a lock when its client went kept waiting, and kept every lock it held, until
    /// granted. Checked every probe interval, it ends once the probes have found the client gone.
    /// Set per session, so that no operator has to change the server.
    /// </summary>
    public static string? ServerSettings(TimeSpan timeout, Version serverVersion) =>
        KeepaliveProbes.For(timeout) is { } probes
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"SET tcp_keepalives_idle = {probes.Idle}; SET tcp_keepalives_interval = {probes.Interval}; SET tcp_keepalives_count = {probes.Count}; SET tcp_user_timeout = {probes.Seconds * 1000}")
              + (serverVersion.Major >= 14 ? string.Create(CultureInfo.InvariantCulture, $"; SET client_connection_check_interval = {probes.Interval * 1000}") : "")
            : null;

    /// <summary>
    /// The client's side, unless the connection string sets its own: after the same idle time,
    /// probes close enough for the system's nine to end by the time-out. This is what tells a
    /// connection that sends nothing, the LISTEN one, that its database's host is gone.
    /// </summary>
    public static void ApplyToClient(NpgsqlConnectionStringBuilder settings, TimeSpan timeout)
    {
        if (settings.TcpKeepAliveTime == 0 && KeepaliveProbes.For(timeout) is { } probes)
        {
            settings.TcpKeepAliveTime = probes.Idle;
            settings.TcpKeepAliveInterval = Math.Max(1, (probes.Seconds - probes.Idle) / SystemProbeCount);
        }
    }
}
