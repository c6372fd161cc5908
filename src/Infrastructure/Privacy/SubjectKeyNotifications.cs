using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
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
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => PostgresListener.ListenAsync(
        dataSource,
        store.DestroyedChannel,
        notified: payload =>
        {
            if (Guid.TryParse(payload, out var keyId))
            {
                ring.Forget(keyId);
            }
        },
        listening: ring.ForgetAll,
        lost: e => LogLost(logger, e),
        stoppingToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection that hears of destroyed subject keys; reconnecting")]
    private static partial void LogLost(ILogger logger, Exception exception);
}
