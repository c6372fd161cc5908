using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EventSourced.Infrastructure.Idempotency;

/// <summary>
/// Drops first responses kept longer than <see cref="IdempotencyOptions.KeepFor"/>, as the node
/// starts and then every <see cref="IdempotencyOptions.PurgeEvery"/>, so the table holds about a
/// day of requests rather than every request ever made with a key (ADR 0010). Every node runs
/// it; they skip the rows another is deleting.
/// </summary>
public sealed partial class IdempotencyKeysExpiry(PostgresIdempotencyStore store, IOptions<IdempotencyOptions> options, ILogger<IdempotencyKeysExpiry> logger) : BackgroundService
{
    // Rows deleted a statement: short transactions, however many expired while the node was away.
    private const int Batch = 5_000;

    /// <summary>Drops every response kept too long, a batch at a time; how many were dropped.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var dropped = 0;
        int deleted;
        do
        {
            deleted = await store.DeleteOlderThanAsync(options.Value.KeepFor, Batch, ct);
            dropped += deleted;
        }
        while (deleted == Batch);

        return dropped;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeEvery);
        try
        {
            do
            {
                await PurgeRoundAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (or a start that failed elsewhere): nothing is left half done.
        }
    }

    // A database away skips a round, not the loop: the next round drops what this one could not.
    private async Task PurgeRoundAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (await PurgeAsync(stoppingToken) is > 0 and var dropped)
            {
                LogDropped(logger, dropped, options.Value.KeepFor);
            }
        }
        catch (NpgsqlException e) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(logger, e.Message, options.Value.PurgeEvery);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {Count} Idempotency-Key responses kept longer than {KeepFor}")]
    private static partial void LogDropped(ILogger logger, int count, TimeSpan keepFor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency-Key responses kept too long could not be dropped ({Reason}); trying again in {PurgeEvery}")]
    private static partial void LogFailed(ILogger logger, string reason, TimeSpan purgeEvery);
}
