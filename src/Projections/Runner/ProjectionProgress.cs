using System.Collections.Concurrent;
using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// How far each projection's serving generation has got, for read-your-writes: a query given a
/// command's position waits until the projection has applied it. Commits on this node wake waiters
/// at once; a projection led by another node is seen by polling its checkpoint. Given the store
/// and the projections, a position the projection never sees (another category's command: add a
/// contact, send a message, list contacts at the message's position) counts as reached once
/// nothing the projection matches lies between its checkpoint and that position: its checkpoint
/// only moves with the events it applies.
/// </summary>
public sealed class ProjectionProgress(NpgsqlDataSource dataSource, TimeSpan? readYourWritesTimeout = null, IEventStore? store = null, IEnumerable<IProjection>? projections = null)
{
    private readonly Dictionary<string, EventFilter> _filters = (projections ?? []).ToDictionary(p => p.Name, p => p.Filter);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _advanced = new();

    /// <summary>How long a read-your-writes query waits (Projections:ReadYourWritesTimeout).</summary>
    public TimeSpan ReadYourWritesTimeout { get; } = readYourWritesTimeout ?? TimeSpan.FromSeconds(5);

    public void Advanced(string projection, Generation generation, long position)
    {
        if (generation.Active && _advanced.TryRemove(projection, out var waiters))
        {
            waiters.TrySetResult();
        }
    }

    /// <returns>False when the projection has not reached <paramref name="position"/> within <paramref name="timeout"/>.</returns>
    public async Task<bool> WaitForAsync(string projection, long position, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var advanced = _advanced.GetOrAdd(projection, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                var reached = await PositionAsync(projection, deadline.Token);
                if (reached >= position || await NothingToApplyUpToAsync(projection, reached, position, deadline.Token))
                {
                    return true;
                }

                await Task.WhenAny(advanced, Task.Delay(Poll, deadline.Token));
                deadline.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Whether the next event the projection matches after <paramref name="reached"/> lies beyond <paramref name="position"/>, with nothing below it still in flight.</summary>
    private async Task<bool> NothingToApplyUpToAsync(string projection, long reached, long position, CancellationToken ct)
    {
        if (store is null || !_filters.TryGetValue(projection, out var filter))
        {
            return false;
        }

        var next = await store.ReadAllAsync(reached, 1, filter, ct);
        return next.Events.Count > 0 ? next.Events[0].Position > position : next.LastPosition >= position;
    }

    /// <summary>Whether the projection has a generation serving queries yet; false on a fresh store, before its schema exists.</summary>
    public async Task<bool> ServesAsync(string projection, CancellationToken ct)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT FROM proj.checkpoints WHERE projection = $1 AND active)");
            command.Parameters.AddWithValue(projection);
            return (bool)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (IsSchemaMissing(e))
        {
            return false;
        }
    }

    // A node that has just started on a fresh store may answer before its projections have created
    // their schema: that is "nothing applied yet", to wait on, not an error (a CI run got a 500 here).
    private async Task<long> PositionAsync(string projection, CancellationToken ct)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM proj.checkpoints WHERE projection = $1 AND active");
            command.Parameters.AddWithValue(projection);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (IsSchemaMissing(e))
        {
            return 0;
        }
    }

    private static bool IsSchemaMissing(PostgresException e) => e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName;
}
