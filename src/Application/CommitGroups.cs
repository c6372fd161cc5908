namespace EventSourced.Application;

/// <summary>
/// Group commit, as EventStoreDB's writer and PostgreSQL's own WAL flush do it: work that arrives
/// while every runner is busy waits, and goes in the next group with everything else that arrived
/// meanwhile, so that one round trip and one transaction serve all of it. Alone, an item still
/// goes at once. Used by the event store's appends (ADR 0020) and by the creation of subjects'
/// keys (ADR 0025).
/// </summary>
/// <param name="maxRunners">Groups in flight at once; more items than they can take form the next group.</param>
/// <param name="maxGroup">Items in one group at the most.</param>
/// <param name="commit">Writes a group and settles each of its items, failures included.</param>
/// <param name="fail">
/// Settles the items of a group whose commit threw, with what it threw (items the commit settled
/// already stay as they are). The runner then goes on: a runner lost to an exception would leave
/// every item queued behind it waiting for ever once all the runners were lost.
/// </param>
/// <param name="newGroup">
/// Starts a group's admission: the function it returns is asked, in queue order, whether the next
/// item may join (and counts it in when it says yes). The first item of a group must be admitted.
/// Null admits everything.
/// </param>
/// <param name="saturated">
/// Whether the process has more work than threads right now. While it has, no more than
/// <see cref="RunnersWhileSaturated"/> runners start, and what arrives waits for the next group:
/// a runner more would not commit sooner, as it waits for the CPU too, and each transaction it
/// adds costs CPU of its own (PostgreSQL's commit_siblings reasons the same way). Null: never.
/// </param>
public sealed class CommitGroups<TItem>(int maxRunners, int maxGroup, Func<List<TItem>, Task> commit, Action<List<TItem>, Exception> fail, Func<Func<TItem, bool>>? newGroup = null, Func<bool>? saturated = null)
{
    /// <summary>Runners that start even while the process is saturated: one committing, one gathering the next group.</summary>
    public const int RunnersWhileSaturated = 2;

    private readonly Lock _gate = new();
    private readonly Queue<TItem> _queue = new();
    private int _runners;

    /// <summary>Runners at work now, each committing a group or about to.</summary>
    public int Runners => Volatile.Read(ref _runners);

    public void Add(IEnumerable<TItem> items)
    {
        // Asked outside the lock, and only when the answer matters.
        var holdBack = Runners >= RunnersWhileSaturated && saturated is not null && saturated();
        bool startRunner;
        lock (_gate)
        {
            foreach (var item in items)
            {
                _queue.Enqueue(item);
            }

            startRunner = _runners < (holdBack ? RunnersWhileSaturated : maxRunners);
            if (startRunner)
            {
                _runners++;
            }
        }

        if (startRunner)
        {
            _ = Task.Run(CommitWhileQueuedAsync, CancellationToken.None);
        }
    }

    private async Task CommitWhileQueuedAsync()
    {
        while (true)
        {
            var group = new List<TItem>();
            lock (_gate)
            {
                var admits = newGroup?.Invoke();
                while (group.Count < maxGroup && _queue.TryPeek(out var next) && (admits is null || admits(next)))
                {
                    group.Add(_queue.Dequeue());
                }

                if (group.Count == 0)
                {
                    _runners--;
                    return;
                }
            }

            try
            {
                await commit(group);
            }
            catch (Exception e)
            {
                fail(group, e);
            }
        }
    }
}
