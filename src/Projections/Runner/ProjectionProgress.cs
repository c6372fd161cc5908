using System.Collections.Concurrent;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// How far each projection's serving generation has got, for read-your-writes: a query given a
/// command's position waits until the projection has applied it. Commits on this node wake waiters
/// at once; a projection led by another node is seen by polling its checkpoint.
/// </summary>
public sealed class ProjectionProgress(NpgsqlDataSource dataSource, TimeSpan? readYourWritesTimeout = null)
{
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
                if (await PositionAsync(projection, deadline.Token) >= position)
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

    private async Task<long> PositionAsync(string projection, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM proj.checkpoints WHERE projection = $1 AND active");
        command.Parameters.AddWithValue(projection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
