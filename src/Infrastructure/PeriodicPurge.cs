using Microsoft.Extensions.Hosting;
using Npgsql;

namespace EventSourced.Infrastructure;

/// <summary>
/// Drops rows kept past their time, as the node starts and then every so often, a batch a
/// statement so that transactions stay short however much expired while the node was away. Every
/// node runs it; the statements skip rows another node is deleting.
/// </summary>
public abstract class PeriodicPurge(TimeSpan purgeEvery) : BackgroundService
{
    /// <summary>Rows deleted a statement.</summary>
    protected const int Batch = 5_000;

    /// <summary>Drops every row kept too long, a batch at a time; how many were dropped.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var dropped = 0;
        int deleted;
        do
        {
            deleted = await DeleteBatchAsync(ct);
            dropped += deleted;
        }
        while (deleted == Batch);

        return dropped;
    }

    /// <summary>Deletes at most <see cref="Batch"/> rows kept too long; how many it deleted.</summary>
    protected abstract Task<int> DeleteBatchAsync(CancellationToken ct);

    protected abstract void Dropped(int count);

    protected abstract void Failed(string reason);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(purgeEvery);
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
                Dropped(dropped);
            }
        }
        catch (NpgsqlException e) when (!stoppingToken.IsCancellationRequested)
        {
            Failed(e.Message);
        }
    }
}
