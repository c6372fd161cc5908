using EventSourced.Application.Deliveries;
using Microsoft.Extensions.Logging;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>Drops the records of sends older than <see cref="DeliveryOptions.SendsKeptFor"/>, every hour: by then each has long been recorded in its message's stream.</summary>
public sealed partial class DeliverySendsExpiry(DeliverySends sends, DeliveryOptions options, ILogger<DeliverySendsExpiry> logger) : PeriodicPurge(PurgeEvery)
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);

    protected override Task<int> DeleteBatchAsync(CancellationToken ct) => sends.DeleteOlderThanAsync(options.SendsKeptFor, Batch, ct);

    protected override void Dropped(int count) => LogDropped(logger, count, options.SendsKeptFor);

    protected override void Failed(string reason) => LogFailed(logger, reason, PurgeEvery);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {Count} records of sends older than {KeptFor}")]
    private static partial void LogDropped(ILogger logger, int count, TimeSpan keptFor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Records of old sends could not be dropped ({Reason}); trying again in {PurgeEvery}")]
    private static partial void LogFailed(ILogger logger, string reason, TimeSpan purgeEvery);
}
