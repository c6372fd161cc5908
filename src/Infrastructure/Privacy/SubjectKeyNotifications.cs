using EventSourced.Application.Privacy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// Hears of keys destroyed on any node (PostgreSQL NOTIFY) and drops them from this node's ring.
/// Whenever it (re)starts listening it drops every key, since it may have missed some.
/// </summary>
public sealed partial class SubjectKeyNotifications(NpgsqlDataSource dataSource, PostgresSubjectKeyStore store, SubjectKeyRing ring, ILogger<SubjectKeyNotifications> logger)
    : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var keyId))
                    {
                        ring.Forget(keyId);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {store.DestroyedChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                ring.ForgetAll();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                LogLost(logger, e);
                await Task.Delay(ReconnectDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection that hears of destroyed subject keys; reconnecting")]
    private static partial void LogLost(ILogger logger, Exception exception);
}
