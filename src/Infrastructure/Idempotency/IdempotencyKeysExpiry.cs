using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventSourced.Infrastructure.Idempotency;

/// <summary>
/// Drops first responses kept longer than <see cref="IdempotencyOptions.KeepFor"/>, as the node
/// starts and then every <see cref="IdempotencyOptions.PurgeEvery"/>, so the table holds about a
/// day of requests rather than every request ever made with a key (ADR 0010).
/// </summary>
public sealed partial class IdempotencyKeysExpiry(PostgresIdempotencyStore store, IOptions<IdempotencyOptions> options, ILogger<IdempotencyKeysExpiry> logger)
    : PeriodicPurge(options.Value.PurgeEvery)
{
    protected override Task<int> DeleteBatchAsync(CancellationToken ct) => store.DeleteOlderThanAsync(options.Value.KeepFor, Batch, ct);

    protected override void Dropped(int count) => LogDropped(logger, count, options.Value.KeepFor);

    protected override void Failed(string reason) => LogFailed(logger, reason, options.Value.PurgeEvery);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {Count} Idempotency-Key responses kept longer than {KeepFor}")]
    private static partial void LogDropped(ILogger logger, int count, TimeSpan keepFor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency-Key responses kept too long could not be dropped ({Reason}); trying again in {PurgeEvery}")]
    private static partial void LogFailed(ILogger logger, string reason, TimeSpan purgeEvery);
}
