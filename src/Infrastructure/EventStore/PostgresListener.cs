using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>LISTEN on a PostgreSQL channel for as long as asked, reconnecting after a lost connection.</summary>
public static class PostgresListener
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopCheckInterval = TimeSpan.FromMilliseconds(500);

    /// <param name="listening">
    /// Runs each time listening starts, the first time and after every reconnection: whatever was
    /// notified while nobody listened is lost, so this is where a listener catches up.
    /// </param>
    /// <param name="lost">Told why the connection was lost, before the next try.</param>
    public static async Task ListenAsync(
        NpgsqlDataSource dataSource, string channel, Action<string> notified, Action listening, Action<Exception> lost, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => notified(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                listening();
                while (!ct.IsCancellationRequested)
                {
                    // A wait that times out, not one cancelled by ct: cancelling Npgsql's wait can
                    // deadlock inside it (npgsql#5975), and once held a stopping node for good. A
                    // wait that times out leaves the connection as it was, and the loop sees the stop.
                    await connection.WaitAsync(StopCheckInterval, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                lost(e);
                await Task.Delay(ReconnectDelay, ct);
            }
        }
    }
}
