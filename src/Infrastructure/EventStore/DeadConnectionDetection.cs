using System.Globalization;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// The server-side settings that let PostgreSQL end a session whose client has gone silent (ADR
/// 0044). Its default is the system's TCP keepalive, two hours and more, during which a node
/// whose host died still holds its session advisory locks: no other node can lead its read
/// models or run the migration. Set per session, so that no operator has to change the server.
/// </summary>
public static class DeadConnectionDetection
{
    /// <summary>
    /// The SET statements for a time-out of whole seconds (zero: none). Keepalive probes start after
    /// a third of it idle and go every sixth, the last one due at the time-out; they cover an idle
    /// session, as a leader's is between rounds. tcp_user_timeout covers a session that was sending
    /// when its client went: data left unacknowledged that long ends it too.
    /// </summary>
    public static string? Settings(TimeSpan timeout)
    {
        var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        if (seconds <= 0)
        {
            return null;
        }

        var idle = Math.Max(1, seconds / 3);
        var interval = Math.Max(1, seconds / 6);
        var count = Math.Max(1, (seconds - idle) / interval);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"SET tcp_keepalives_idle = {idle}; SET tcp_keepalives_interval = {interval}; SET tcp_keepalives_count = {count}; SET tcp_user_timeout = {seconds * 1000}");
    }
}
