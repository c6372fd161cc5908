using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Tells subscriptions that events were appended. Local appends pulse the local signal at once.
/// Other nodes hear of them through PostgreSQL NOTIFY, sent from outside the appending
/// transaction and coalesced: a NOTIFY inside the transaction would take PostgreSQL's global
/// notification lock until commit and so serialise every append. Polling in the subscription
/// covers a lost notification.
/// </summary>
public sealed class AppendNotifications(
    NpgsqlDataSource dataSource,
    EventStoreOptions options,
    ILogger<AppendNotifications> logger) : BackgroundService
{
    // At most one NOTIFY per interval: each is a transaction of its own, and under load one per
    // append would cost as much as the appends. Other nodes hear within this interval.
    private static readonly TimeSpan MinNotifyInterval = TimeSpan.FromMilliseconds(20);
    private readonly string _nodeId = Guid.NewGuid().ToString("N");
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AppendSignal Signal { get; } = new();

    /// <summary>Completes once this node first listens for other nodes' appends.</summary>
    public Task Listening => _listening.Task;

    /// <summary>Called after events appended by this node were committed: these streams' events of these types.</summary>
    public void Committed(IReadOnlyCollection<(string StreamId, string Type)> appended)
    {
        if (appended.Count == 0)
        {
            return;
        }

        Signal.Pulse(appended);
        _pending.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(ListenAsync(stoppingToken), NotifyAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped. The host takes a cancelled service for a fault when its start failed (a
            // refused key-encryption key, say), and its "crit" line would hide the real cause.
        }
    }

    private async Task NotifyAsync(CancellationToken ct)
    {
        await foreach (var _ in _pending.Reader.ReadAllAsync(ct))
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
                command.Parameters.AddWithValue(options.NotificationChannel);
                command.Parameters.AddWithValue(_nodeId);
                await command.ExecuteNonQueryAsync(ct);
                await Task.Delay(MinNotifyInterval, ct);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Other nodes fall back to polling; nothing is lost.
                logger.LogWarning(e, "Could not notify other nodes of an append");
            }
        }
    }

    private Task ListenAsync(CancellationToken ct) => PostgresListener.ListenAsync(
        dataSource,
        options.NotificationChannel,
        notified: payload =>
        {
            if (payload != _nodeId)
            {
                Signal.Pulse();
            }
        },
        listening: () =>
        {
            // Anything appended while we were not listening is picked up by this pulse.
            Signal.Pulse();
            _listening.TrySetResult();
        },
        lost: e => logger.LogWarning(e, "Lost the append notification connection; reconnecting"),
        ct);
}
