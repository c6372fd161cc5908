using EventSourced.Application;
using EventSourced.Application.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Acts on events rather than keeping a read model: follows <c>$all</c> from a checkpoint of its
/// own (<c>proj.reactor_checkpoints</c>), saved after each event it has acted on. What it does
/// must be safe to do twice: a crash before the checkpoint is saved, or a second node following
/// the same events, does it again.
/// </summary>
public abstract partial class Reactor(ReactorDefinition definition, IEventStore store, NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>The longest wait between tries of an event that keeps failing.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // Tries that failed in a row: each waits twice as long as the last, up to MaxRetryDelay.
    private int _failuresInARow;

    /// <summary>The checkpoint's key, and who the commands it sends are recorded as made by.</summary>
    public string Name => definition.Name;

    protected TimeProvider Clock { get; } = clock;

    /// <summary>Acts on one event; an exception makes the reactor start again from its checkpoint.</summary>
    protected abstract Task ReactAsync(RecordedEvent recorded, CancellationToken ct);

    /// <summary>1 s after the first failure, doubling after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public static TimeSpan RetryDelay(int failuresInARow) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, Math.Pow(2, Math.Min(failuresInARow - 1, 10))));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be away, a read model behind, or this event may fail for good
                // (a bug): start again from the checkpoint, less often the longer it keeps failing.
                _failuresInARow++;
                Telemetry.ReactorFailures.Add(1, new KeyValuePair<string, object?>("reactor", Name));
                LogFailed(logger, e, Name, _failuresInARow);
                await Task.Delay(RetryDelay(_failuresInARow), Clock, stoppingToken);
            }
        }
    }

    private async Task FollowAsync(CancellationToken ct)
    {
        await ProjectionSchema.EnsureAsync(dataSource, ct);
        var checkpoint = (await dataSource.QueryAsync("SELECT position FROM proj.reactor_checkpoints WHERE name = $1", r => r.GetInt64(0), ct, Name))
            .DefaultIfEmpty(0).Single();
        await foreach (var recorded in store.SubscribeToAllAsync(checkpoint, definition.Filter, ct))
        {
            try
            {
                await ReactAsync(recorded, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                await RecordFailureAsync(recorded.Position, e, ct);
                throw;
            }

            await SaveCheckpointAsync(recorded.Position, ct);
            _failuresInARow = 0;
        }
    }

    /// <summary>
    /// Saves the checkpoint, which clears a failure recorded before: the event went through. It
    /// does not wait for the WAL flush (measured: it was most of a reactor's time an event). What
    /// a database crash loses of it is done again, and doing it again changes nothing.
    /// </summary>
    private async Task SaveCheckpointAsync(long position, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var save = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"),
                new NpgsqlBatchCommand("""
                    INSERT INTO proj.reactor_checkpoints (name, position) VALUES ($1, $2)
                    ON CONFLICT (name) DO UPDATE SET position = excluded.position, failing_position = NULL, failure = NULL, failing_since = NULL, attempts = 0
                    """) { Parameters = { new() { Value = Name }, new() { Value = position } } },
            },
        };
        await save.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Shows operators which event fails, since when and why (the reactors' status), as the lag
    /// alone does not say whether the reactor is slow or stuck. Best effort: the database may be
    /// what failed.
    /// </summary>
    private async Task RecordFailureAsync(long position, Exception failure, CancellationToken ct)
    {
        try
        {
            await using var record = dataSource.CreateCommand("""
                INSERT INTO proj.reactor_checkpoints AS c (name, position, failing_position, failure, failing_since, attempts) VALUES ($1, 0, $2, $3, now(), 1)
                ON CONFLICT (name) DO UPDATE SET
                    failure = excluded.failure,
                    failing_since = CASE WHEN c.failing_position = excluded.failing_position THEN c.failing_since ELSE excluded.failing_since END,
                    attempts = CASE WHEN c.failing_position = excluded.failing_position THEN c.attempts + 1 ELSE 1 END,
                    failing_position = excluded.failing_position
                """);
            record.Parameters.AddWithValue(Name);
            record.Parameters.AddWithValue(position);
            record.Parameters.AddWithValue($"{failure.GetType().Name}: {failure.Message}");
            await record.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogFailureNotRecorded(logger, e, Name, position);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reactor {Reactor} failed ({Failures} in a row); it starts again from its checkpoint")]
    private static partial void LogFailed(ILogger logger, Exception e, string reactor, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reactor {Reactor} could not record its failure at position {Position}")]
    private static partial void LogFailureNotRecorded(ILogger logger, Exception e, string reactor, long position);
}

/// <summary>A reactor's name (its checkpoint's key) and the events it follows: what its status is counted by.</summary>
public sealed record ReactorDefinition(string Name, EventFilter Filter);
