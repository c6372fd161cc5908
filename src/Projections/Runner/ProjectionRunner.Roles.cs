using System.Data;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Who writes which generation: the leader of the newest version running (the serving generation
/// of its version, and a build beside it), a node of an older version keeping the serving one live
/// while a newer one is built, and the advisory locks each holds on the connection it writes on.
/// </summary>
public sealed partial class ProjectionRunner
{
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // One connection while standing by and leading: it says which version this node
                // runs for as long as it lives, so that a newer node is never taken for gone.
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                try
                {
                    await RunningVersions.AnnounceAsync(connection, projection, ct);
                    while (true)
                    {
                        if (await RunningVersions.NewerRunsAsync(connection, projection, ct))
                        {
                            await KeepServingAsync(connection, ct);
                        }
                        else if (await TryLockAsync(connection, "leader", ct))
                        {
                            break;
                        }

                        await Task.Delay(options.StandbyRetry, ct);
                    }

                    LogLeading(logger, projection.Name);
                    while (!ct.IsCancellationRequested && !await RunningVersions.NewerRunsAsync(connection, projection, ct))
                    {
                        await LeadRoundAsync(connection, ct);
                    }

                    if (!ct.IsCancellationRequested)
                    {
                        LogHandedToNewer(logger, projection.Name, projection.Version);
                    }
                }
                finally
                {
                    await UnlockAllAsync(connection);
                }
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                // Stopping: whatever was in flight either committed or rolled back with its checkpoint.
                return;
            }
            catch (Exception e) when (ProjectionGenerations.IsLockWaitOver(e))
            {
                // Queries still read what the round was changing (a swap, a column added): again in a moment.
                LogLockWaitOver(logger, projection.Name);
                await PauseAsync(ct);
            }
            catch (Exception e) when (IsTransient(e))
            {
                // Resume from the last committed checkpoint on a fresh connection (and lock).
                LogLostConnection(logger, e, projection.Name);
                await PauseAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // A fault of this projection must not stop the host and every other projection:
                // it shows as lag in its status and in the log, and is retried.
                LogFailed(logger, e, projection.Name);
                await PauseAsync(ct);
            }
        }
    }

    /// <summary>
    /// The wait before trying again after a failure. Stopping meanwhile ends it without an
    /// exception: the loop then ends, and the runner stops as quietly as from anywhere else.
    /// </summary>
    private async Task PauseAsync(CancellationToken ct) => await Task.Delay(options.StandbyRetry, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    /// <summary>
    /// One round of leadership over fixed generations: the serving one kept live, and a new one
    /// built beside it when a rebuild or a new version asks for it. A change of generations (a
    /// swap, a rebuild request, a reset) ends the round and the next one starts from the new facts.
    /// </summary>
    private async Task LeadRoundAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // Taken before reading the generations, so that no change after the read can go unseen.
        var fingerprint = await ProjectionGenerations.FingerprintAsync(connection, projection.Name, ct);
        var (serving, building) = await ProjectionGenerations.PrepareAsync(connection, projection, ct);
        await ProjectionGenerations.DropRetiredAsync(connection, projection, ct);
        if (serving is not null)
        {
            await ProjectionGenerations.AddSinceBuiltAsync(connection, projection, serving, ct);
        }

        List<Func<CancellationToken, Task>> loops = [round => WatchAsync(fingerprint, newerRuns: false, round)];
        if (serving is not null)
        {
            loops.Add(round => WriteServingAsync(connection, serving, round));
        }

        if (building is not null)
        {
            loops.Add(round => BuildAsync(building, round));
        }

        await UntilOneEndsAsync(loops, ct);
    }

    /// <summary>
    /// While nodes of a newer version build theirs, the generation that serves may still be this
    /// node's version: the newer handlers cannot write its tables, so a node of its own version
    /// keeps it live (one, holding its writer lock), until the newer generation is swapped in or the
    /// newer nodes are gone. Queries on every node meanwhile answer what is true now.
    /// </summary>
    private async Task KeepServingAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var (serving, fingerprint) = await ProjectionGenerations.ServingAsync(connection, projection.Name, ct);
        if (serving is null || serving.Version != projection.Version || !await TryLockAsync(connection, WriterOf(serving), ct))
        {
            return;
        }

        try
        {
            // Looked at again under the lock: a swap and a drop of the generation may have come
            // between, and once this node holds it, the generation cannot be dropped.
            if (await ProjectionGenerations.FingerprintAsync(connection, projection.Name, ct) == fingerprint)
            {
                LogKeeping(logger, projection.Name, serving.Number);
                await UntilOneEndsAsync([round => WatchAsync(fingerprint, newerRuns: true, round), round => ProcessAsync(connection, serving, round)], ct);
            }
        }
        finally
        {
            await UnlockAsync(connection, WriterOf(serving));
        }
    }

    /// <summary>The serving generation's writes, once its writer lock is free: a node of the older version may be keeping it still.</summary>
    private async Task WriteServingAsync(NpgsqlConnection connection, Generation serving, CancellationToken ct)
    {
        while (!await TryLockAsync(connection, WriterOf(serving), ct))
        {
            await Task.Delay(options.StandbyRetry, ct);
        }

        try
        {
            await ProcessAsync(connection, serving, ct);
        }
        finally
        {
            await UnlockAsync(connection, WriterOf(serving));
        }
    }

    private static string WriterOf(Generation generation) => ProjectionGenerations.WriterRole(generation.Number);

    /// <summary>Runs the loops until one of them ends, then ends the others; the first failure among them is the caller's.</summary>
    private static async Task UntilOneEndsAsync(List<Func<CancellationToken, Task>> start, CancellationToken ct)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loops = start.Select(loop => loop(round.Token)).ToList();
        await Task.WhenAny(loops);
        await round.CancelAsync();

        // Every loop must have ended before the round does: they share the leader connection, which
        // is unlocked and returned to the pool next. Then a loop's failure (not the round's own
        // cancellation) is the round's.
        try
        {
            await Task.WhenAll(loops);
        }
        catch (Exception)
        {
            // Looked at below, loop by loop.
        }

        if (loops.FirstOrDefault(l => l.IsFaulted && l.Exception!.InnerException is not OperationCanceledException) is { } failed)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed.Exception!.InnerException!);
        }

        ct.ThrowIfCancellationRequested();
    }

    private async Task BuildAsync(Generation building, CancellationToken ct)
    {
        // Its own connection and lock, so that a build outlives no leader: a node that takes over
        // waits here until the old node's build connection is gone.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        while (!await TryLockAsync(connection, "build", ct))
        {
            await Task.Delay(options.StandbyRetry, ct);
        }

        LogBuilding(logger, projection.Name, building.Number);
        try
        {
            await ProcessAsync(connection, building, ct);
        }
        finally
        {
            await UnlockAllAsync(connection);
        }
    }

    /// <summary>Ends when the generations change, or when a node of a newer version starts or stops (<paramref name="newerRuns"/>: whether one ran).</summary>
    private async Task WatchAsync(string fingerprint, bool newerRuns, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(options.StandbyRetry, ct);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            if (await ProjectionGenerations.FingerprintAsync(connection, projection.Name, ct) != fingerprint
                || await RunningVersions.NewerRunsAsync(connection, projection, ct) != newerRuns)
            {
                return;
            }
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, string role, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1))", connection);
        command.Parameters.AddWithValue(ProjectionGenerations.RoleLockName(projection.Name, role));
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Gives one role back and keeps the connection's others.</summary>
    private Task UnlockAsync(NpgsqlConnection connection, string role) =>
        ReleaseAsync(connection, "SELECT pg_advisory_unlock(hashtext($1))", ProjectionGenerations.RoleLockName(projection.Name, role));

    /// <summary>
    /// Session advisory locks outlive a connection's return to the pool (Npgsql resets a pooled
    /// connection only when it is next used), so a runner gives its locks back explicitly.
    /// </summary>
    private static Task UnlockAllAsync(NpgsqlConnection connection) => ReleaseAsync(connection, "SELECT pg_advisory_unlock_all()");

    /// <summary>Runs a statement that gives locks back; a dead connection has given them all back already.</summary>
    private static async Task ReleaseAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        if (connection.State != ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var value in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Broken: the server ends the session, and its locks with it.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Projection} runs on this node")]
    private static partial void LogLeading(ILogger logger, string projection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Projection} is left to the nodes of a version newer than this node's {Version}")]
    private static partial void LogHandedToNewer(ILogger logger, string projection, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Projection} keeps generation {Generation} live while nodes of a newer version build theirs")]
    private static partial void LogKeeping(ILogger logger, string projection, int generation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection {Projection} builds generation {Generation} beside the serving one")]
    private static partial void LogBuilding(ILogger logger, string projection, int generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection {Projection} could not change its tables or views while queries read them (a long query or an open transaction, see pg_stat_activity); retrying")]
    private static partial void LogLockWaitOver(ILogger logger, string projection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection {Projection} lost its database connection; retrying")]
    private static partial void LogLostConnection(ILogger logger, Exception exception, string projection);

    [LoggerMessage(Level = LogLevel.Error, Message = "Projection {Projection} failed; it starts again from its checkpoint")]
    private static partial void LogFailed(ILogger logger, Exception exception, string projection);
}
