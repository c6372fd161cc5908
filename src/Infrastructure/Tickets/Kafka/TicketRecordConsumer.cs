using System.Text;
using Confluent.Kafka;
using EventSourced.Infrastructure.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>
/// Consumes the seller's three topics with the decoder and ingestion the HTTP ingest uses. At
/// least once: a poll's records are applied, each key's in order, and their offsets committed
/// only after all their events are appended; the events' ids derive from the record's
/// topic, partition and offset, so a record delivered again appends nothing twice. A record that
/// cannot be applied (undecodable, a header missing, another major version, a rule broken) is
/// stored as a dead letter and its partition goes on; a database outage is waited out on the
/// same record, so nothing is skipped.
/// </summary>
public sealed partial class TicketRecordConsumer(
    KafkaOptions options, TicketRecords records, IngestDeadLetters deadLetters, KafkaConsumerState state, TimeProvider clock, ILogger<TicketRecordConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    // Offsets to commit (the next to read) of records applied since the last commit.
    private readonly Dictionary<TopicPartition, TopicPartitionOffset> _applied = [];
    private readonly HashSet<TopicPartition> _revoked = [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var config = options.ToConsumerConfig();
        // Consume blocks: the loop gets a thread of its own.
        return Task.Factory.StartNew(RunAsync, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

        // A fault of the consumer must not take the node's HTTP side down with it: readiness
        // reports it, and the consumer starts again from the last committed offsets.
        async Task RunAsync()
        {
            // Thousands of records a poll, applied side by side: their appends commit as bulk.
            BulkAppends.MarkThisFlow();
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ConsumeAsync(config, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    state.Stopped = $"{e.GetType().Name}: {e.Message}";
                    LogConsumerFailed(logger, e);
                    _applied.Clear();
                    _revoked.Clear();
                    await Task.Delay(RestartDelay, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
    }

    private async Task ConsumeAsync(ConsumerConfig config, CancellationToken ct)
    {
        await deadLetters.EnsureSchemaAsync(ct);
        state.DeadLetters = await deadLetters.CountAsync(ct);
        state.Stopped = null;
        using var consumer = new ConsumerBuilder<string?, byte[]>(config)
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                // What this node applied of them is committed before another node takes them over;
                // records of them still in hand are left to the new owner.
                CommitApplied(c);
                _revoked.UnionWith(revoked.Select(r => r.TopicPartition));
            })
            .SetPartitionsAssignedHandler((_, assigned) => _revoked.ExceptWith(assigned))
            .SetErrorHandler((_, e) => LogBrokerError(logger, e.Code, e.Reason))
            .Build();
        consumer.Subscribe(options.Topics.All);
        LogConsuming(logger, options.BootstrapServers, options.GroupId);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var batch = Take(consumer, ct).Where(r => !_revoked.Contains(r.TopicPartition)).ToList();
                await ApplyAsync(batch, ct);
                foreach (var record in batch)
                {
                    _applied[record.TopicPartition] = new TopicPartitionOffset(record.TopicPartition, record.Offset + 1);
                }

                CommitApplied(consumer);
                ReportLag(consumer);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            CommitApplied(consumer);
            consumer.Close();
        }
    }

    /// <summary>One poll: the first record waited for briefly, then whatever else is already here, up to a batch.</summary>
    private List<ConsumeResult<string?, byte[]>> Take(IConsumer<string?, byte[]> consumer, CancellationToken ct)
    {
        var batch = new List<ConsumeResult<string?, byte[]>>();
        try
        {
            for (var wait = Poll; batch.Count < options.MaxBatch; wait = TimeSpan.Zero)
            {
                ct.ThrowIfCancellationRequested();
                if (consumer.Consume(wait) is not { IsPartitionEOF: false } record)
                {
                    break;
                }

                batch.Add(record);
            }
        }
        catch (ConsumeException e)
        {
            // librdkafka retries broker faults itself; this one is reported and the poll ends here.
            LogBrokerError(logger, e.Error.Code, e.Error.Reason);
        }

        return batch;
    }

    /// <summary>
    /// A poll's records, entity by entity: the records of one key (the entity id the seller keys
    /// by) in their partition's order, different entities side by side, as Kafka's ordering per
    /// key allows. The poll's offsets are committed only when all of it is applied.
    /// </summary>
    private Task ApplyAsync(List<ConsumeResult<string?, byte[]>> batch, CancellationToken ct)
    {
        var entities = batch.GroupBy(r => (r.TopicPartition, r.Message.Key));
        return Parallel.ForEachAsync(entities, new ParallelOptions { MaxDegreeOfParallelism = options.ApplyConcurrency, CancellationToken = ct }, async (records, token) =>
        {
            foreach (var record in records)
            {
                await ApplyAsync(record, token);
            }
        });
    }

    private async Task ApplyAsync(ConsumeResult<string?, byte[]> received, CancellationToken ct)
    {
        var record = new TicketRecord(
            received.Topic, received.Partition.Value, received.Offset.Value, received.Message.Key,
            received.Message.Headers?.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()), StringComparer.OrdinalIgnoreCase) ?? [],
            received.Message.Value ?? [],
            // The record's own time, not this delivery's: delivered again, it must decide the very same events.
            received.Message.Timestamp.Type == TimestampType.NotAvailable ? clock.GetUtcNow() : new DateTimeOffset(received.Message.Timestamp.UtcDateTime, TimeSpan.Zero));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await records.ApplyAsync(record, ct);
                return;
            }
            catch (UnappliableRecordException e)
            {
                await deadLetters.StoreAsync(record, e.Message, ct);
                state.DeadLetters = await deadLetters.CountAsync(ct);
                LogDeadLettered(logger, record.Source, e.Message);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
            {
                // The store is away: this record is applied once it is back, never skipped.
                LogRetrying(logger, e, record.Source, attempt);
                await Task.Delay(RetryDelay, clock, ct);
            }
        }
    }

    // From the high watermarks the last fetches brought (no broker round trip); a partition not
    // fetched yet counts as not behind.
    private void ReportLag(IConsumer<string?, byte[]> consumer)
    {
        var lag = new List<(string, int, long)>();
        foreach (var partition in consumer.Assignment)
        {
            try
            {
                var high = consumer.GetWatermarkOffsets(partition).High;
                var position = consumer.Position(partition);
                lag.Add((partition.Topic, partition.Partition.Value, high == Offset.Unset || position == Offset.Unset ? 0 : Math.Max(0, high.Value - position.Value)));
            }
            catch (KafkaException)
            {
                lag.Add((partition.Topic, partition.Partition.Value, 0));
            }
        }

        state.Assigned(lag);
    }

    private void CommitApplied(IConsumer<string?, byte[]> consumer)
    {
        if (_applied.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(_applied.Values);
            _applied.Clear();
        }
        catch (KafkaException e)
        {
            // Kept for the next commit; if the partition moves first, its new owner applies these
            // records again, and their derived event ids make that a no-op.
            LogCommitFailed(logger, e.Error.Code, e.Error.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming the seller's topics at {BootstrapServers} as group {GroupId}")]
    private static partial void LogConsuming(ILogger logger, string bootstrapServers, string groupId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The ticket consumer failed; it starts again from the committed offsets")]
    private static partial void LogConsumerFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka: {Code} {Reason}")]
    private static partial void LogBrokerError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record {Source} is stored as a dead letter: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record {Source} could not be applied (attempt {Attempt}); trying again")]
    private static partial void LogRetrying(ILogger logger, Exception e, string source, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offsets could not be committed: {Code} {Reason}; trying again after the next poll")]
    private static partial void LogCommitFailed(ILogger logger, ErrorCode code, string reason);
}
