using System.Collections.Concurrent;
using System.Data;
using EventSourced.Application;
using EventSourced.Application.EventStore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Runs one projection on whichever node holds its advisory lock, of the nodes with the newest
/// version of it running (<see cref="RunningVersions"/>); while that version is built, a node of
/// the serving generation's version keeps that one live. All writes to a generation go through
/// the connection that holds its lock: if that connection dies, the lock and the writes go
/// together, so two nodes never write the same generation. Each batch of events and the
/// checkpoint commit in one transaction, so an event is applied exactly once whatever crashes when.
/// This file reads and writes a generation; who writes which one is in ProjectionRunner.Roles.cs.
/// </summary>
public sealed partial class ProjectionRunner(
    IProjection projection,
    NpgsqlDataSource dataSource,
    IEventStore store,
    EventTypeRegistry registry,
    ProjectionOptions options,
    ProjectionProgress progress,
    ILogger logger)
{
    // A write the database client refuses as it sends it (a value it cannot write) may close the
    // connection, and the lock with it: the runner then starts again on a new one. These carry
    // over to that round, by generation, how far it goes one event at a time and the attempts
    // each such event has had, so that it is parked in the end rather than retried for ever.
    private readonly ConcurrentDictionary<int, long> _oneByOneThrough = new();
    private readonly ConcurrentDictionary<(int Generation, long Position), (int Attempts, Exception Error)> _attemptsBefore = new();

    private async Task ProcessAsync(NpgsqlConnection connection, Generation generation, CancellationToken ct)
    {
        if (generation.Stopped)
        {
            LogStopped(logger, projection.Name);
            await Task.Delay(Timeout.Infinite, ct);
        }

        var batch = new List<RecordedEvent>();
        var position = generation.Position;
        var statistics = new ReadModelStatistics(generation.Tables(projection));
        // One batch commits while the next is read: reading and writing overlap while catching up.
        Task<bool>? committing = null;
        var committingPosition = position;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var events = store.SubscribeToAllAsync(position, projection.Filter, reading.Token).GetAsyncEnumerator(reading.Token);
        var next = events.MoveNextAsync().AsTask();

        // False when a poison event stopped the projection: the next round waits for a reset.
        async Task<bool> CommittedAsync()
        {
            if (committing is null)
            {
                return true;
            }

            var goOn = await committing;
            committing = null;
            position = committingPosition;
            return goOn;
        }

        try
        {
            while (true)
            {
                // Gather what is already at hand into one transaction; commit before waiting for more.
                if (!next.IsCompleted || batch.Count >= options.BatchSize)
                {
                    if (batch.Count > 0)
                    {
                        var full = batch;
                        batch = [];
                        var prepared = TryPrepare(generation, full);
                        if (!await CommittedAsync())
                        {
                            return;
                        }

                        // A commit is never cancelled half-way: an interrupted command would leave the
                        // connection busy and look like a failing handler. Cancellation stops the waiting
                        // between batches; the command timeout bounds a hung database.
                        committingPosition = full[^1].Position;
                        committing = Task.Run(() => CommitAsync(connection, generation, full, prepared, statistics, CancellationToken.None), CancellationToken.None);
                    }

                    if (!next.IsCompleted)
                    {
                        // Nothing more at hand: let the commit land before waiting, or before swapping in.
                        if (!await CommittedAsync())
                        {
                            return;
                        }

                        if (!generation.Active && await CaughtUpAsync(position, ct))
                        {
                            // Queries get plans made with the statistics of what they will read.
                            await statistics.AnalyzeAsync(connection, CancellationToken.None);
                            await ProjectionGenerations.ActivateAsync(connection, projection, generation, CancellationToken.None);
                            LogActivated(logger, projection.Name, generation.Number);
                            return;
                        }
                    }
                }

                if (!await next)
                {
                    await CommittedAsync();
                    return;
                }

                batch.Add(events.Current);
                next = events.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            // An async iterator cannot be disposed while a read is pending: cancel it and let it end.
            await reading.CancelAsync();
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
            }

            await events.DisposeAsync();

            // Leaving with an exception: the commit in flight must still end before the connection is reused.
            if (committing is not null)
            {
                await committing.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Deserializes a batch and queues its statements, without touching the database, so that it can
    /// run while the previous batch is written. Null when a handler throws: the batch then goes one
    /// event at a time (<see cref="CommitAsync"/>).
    /// </summary>
    private ProjectionWrite? TryPrepare(Generation generation, List<RecordedEvent> batch)
    {
        try
        {
            return Prepare(generation, batch, deadLetter: null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBatchFailed(logger, e, projection.Name);
            return null;
        }
    }

    /// <returns>False when a poison event stopped the projection.</returns>
    private async Task<bool> CommitAsync(
        NpgsqlConnection connection, Generation generation, List<RecordedEvent> batch, ProjectionWrite? prepared, ReadModelStatistics statistics, CancellationToken ct)
    {
        if (prepared is not null && batch[0].Position > _oneByOneThrough.GetValueOrDefault(generation.Number, -1))
        {
            try
            {
                await WriteAsync(connection, prepared, ct);
                progress.Advanced(projection.Name, generation, batch[^1].Position);
                RecordLag(generation, batch[^1]);
                await statistics.AppliedAsync(connection, batch.Count, ct);
                return true;
            }
            catch (Exception e) when (e is not OperationCanceledException && !IsTransient(e))
            {
                // Find the event that fails, one at a time, with retries.
                LogBatchFailed(logger, e, projection.Name);
                if (!UsableAfter(connection, e))
                {
                    _oneByOneThrough[generation.Number] = batch[^1].Position;
                    throw;
                }
            }
        }

        foreach (var recorded in batch)
        {
            if (!await ApplyOneAsync(connection, generation, recorded, ct))
            {
                return false;
            }
        }

        await statistics.AppliedAsync(connection, batch.Count, ct);
        return true;
    }

    // The serving generation's lag only: a rebuild replaying history is behind on purpose.
    private void RecordLag(Generation generation, RecordedEvent last)
    {
        if (generation.Active)
        {
            Telemetry.ProjectionLag.Record((TimeProvider.System.GetUtcNow() - last.Timestamp).TotalMilliseconds, new KeyValuePair<string, object?>("projection", projection.Name));
        }
    }

    private async Task<bool> ApplyOneAsync(NpgsqlConnection connection, Generation generation, RecordedEvent recorded, CancellationToken ct)
    {
        var key = (generation.Number, recorded.Position);
        var (attempts, error) = _attemptsBefore.GetValueOrDefault(key);
        while (attempts < options.MaxAttempts)
        {
            attempts++;
            var writing = false;
            try
            {
                var write = Prepare(generation, [recorded], deadLetter: null);
                writing = true;
                await WriteAsync(connection, write, ct);
                progress.Advanced(projection.Name, generation, recorded.Position);
                RecordLag(generation, recorded);
                _attemptsBefore.TryRemove(key, out _);
                return true;
            }
            catch (Exception e) when (e is not OperationCanceledException && !IsTransient(e))
            {
                error = e;
                // A handler's own failure (in Prepare) never reached the connection.
                if (writing && !UsableAfter(connection, e))
                {
                    _attemptsBefore[key] = (attempts, error);
                    throw;
                }
            }
        }

        // Parked with the checkpoint moved past it, in one transaction; the projection goes on or stops as configured.
        await WriteAsync(connection, Prepare(generation, [recorded], deadLetter: error!.ToString()), ct);
        _attemptsBefore.TryRemove(key, out _);
        progress.Advanced(projection.Name, generation, recorded.Position);
        LogParked(logger, error, projection.Name, recorded.Position, recorded.Type);
        Telemetry.EventsParked.Add(1, new KeyValuePair<string, object?>("projection", projection.Name));
        return options.OnPoisonEvent == PoisonEventPolicy.Skip;
    }

    /// <summary>The statements of a batch (or of one parked event) followed by its checkpoint.</summary>
    private ProjectionWrite Prepare(Generation generation, List<RecordedEvent> events, string? deadLetter)
    {
        var write = new ProjectionWrite(generation.Table(projection));
        // The checkpoint row first: an operator's stream rebuild (ProjectionOperations) holds it
        // while it works, and this batch then waits rather than interleaving with it.
        write.Execute("SELECT 1 FROM proj.checkpoints WHERE projection = $1 AND generation = $2 FOR UPDATE", projection.Name, generation.Number);
        // No wait for the WAL flush: a read model and its checkpoint are lost or kept together,
        // and whatever a database crash loses of them is projected again from the events.
        write.Execute("SET LOCAL synchronous_commit = off");
        if (deadLetter is null)
        {
            foreach (var recorded in events)
            {
                // An event type this build does not know is skipped, as a newer build's events may be.
                if (registry.Deserialize(recorded) is { } @event)
                {
                    projection.Apply(write, recorded, @event);
                }
            }
        }
        else
        {
            var recorded = events[0];
            write.Execute(
                "INSERT INTO proj.dead_letters (projection, generation, position, event_id, event_type, error) VALUES ($1, $2, $3, $4, $5, $6)",
                projection.Name, generation.Number, recorded.Position, recorded.EventId, recorded.Type, deadLetter);
            if (options.OnPoisonEvent == PoisonEventPolicy.Stop)
            {
                write.Execute("UPDATE proj.checkpoints SET stopped = true WHERE projection = $1 AND generation = $2", projection.Name, generation.Number);
            }
        }

        write.Execute(
            "UPDATE proj.checkpoints SET position = $1, processed = processed + $4, updated_at = now() WHERE projection = $2 AND generation = $3",
            events[^1].Position, projection.Name, generation.Number, (long)events.Count);
        return write;
    }

    /// <summary>The read model's changes and the checkpoint in one transaction: applied exactly once.</summary>
    private static async Task WriteAsync(NpgsqlConnection connection, ProjectionWrite write, CancellationToken ct)
    {
        await using (write)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await write.FlushAsync(connection, tx, ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>
    /// Whether a connection can go on after a write failed on it. A failure in the database client
    /// rather than the server (a value it would not send) can close it, or leave its prepared
    /// statements out of step with the server's (every later write then fails: measured, Npgsql 10
    /// with auto-preparation), so those are dropped on both sides.
    /// </summary>
    private static bool UsableAfter(NpgsqlConnection connection, Exception failure)
    {
        if (connection.State != ConnectionState.Open)
        {
            return false;
        }

        if (failure is PostgresException)
        {
            return true;
        }

        try
        {
            // Npgsql has no asynchronous form; one round trip, on a rare path.
            connection.UnprepareAll();
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Unusable after all: counted as the connection lost, so the event's attempts still add up.
            return false;
        }
    }

    /// <summary>Failures of the database or network rather than of the handler: never a reason to park an event.</summary>
    private static bool IsTransient(Exception e) => StoreUnavailable.Is(e) || e is IOException;

    private async Task<bool> CaughtUpAsync(long position, CancellationToken ct)
    {
        var next = await store.ReadAllAsync(position, 1, projection.Filter, ct);
        return next.Events.Count == 0 && next.IsEnd;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection {Projection} is stopped by a poison event; reset it to go on")]
    private static partial void LogStopped(ILogger logger, string projection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Projection} generation {Generation} caught up and now serves queries")]
    private static partial void LogActivated(ILogger logger, string projection, int generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of projection {Projection} failed; applying its events one by one")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string projection);

    [LoggerMessage(Level = LogLevel.Error, Message = "Projection {Projection} parked the event at {Position} ({EventType}) after repeated failures")]
    private static partial void LogParked(ILogger logger, Exception exception, string projection, long position, string eventType);
}
