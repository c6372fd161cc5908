namespace EventSourced.Application.Privacy;

/// <summary>
/// Keys for subjects not in memory, fetched or created in groups, as appends are committed: a
/// request that arrives while the creators are busy waits for the next round trip and goes in it
/// with every other request that arrived meanwhile. Concurrent writers of new subjects (contacts
/// added at once, a poll of orders from new buyers) then share one transaction for their keys
/// rather than each paying its own round trip and WAL flush (ADR 0025).
/// </summary>
internal sealed class KeyCreationGroups(Func<IReadOnlyList<IReadOnlyList<string>>, Task<IReadOnlyList<SubjectKey>>> getOrCreate)
{
    // Round trips at once: one in flight while the next group forms behind it.
    private const int MaxCreators = 2;
    private const int MaxGroup = 1000;

    private readonly Lock _gate = new();
    private readonly Queue<Request> _queue = new();
    private int _creators;

    /// <summary>Each subject's key (by its aliases), in the order asked.</summary>
    public Task<SubjectKey[]> KeysForAsync(IEnumerable<IReadOnlyList<string>> subjects, CancellationToken ct)
    {
        var requests = subjects.Select(aliases => new Request(aliases)).ToList();
        bool startCreator;
        lock (_gate)
        {
            requests.ForEach(_queue.Enqueue);
            startCreator = _creators < MaxCreators;
            if (startCreator)
            {
                _creators++;
            }
        }

        if (startCreator)
        {
            _ = Task.Run(CreateWhileQueuedAsync, CancellationToken.None);
        }

        // A caller that stops waiting leaves its keys to be created: a key no event uses is harmless.
        return Task.WhenAll(requests.Select(r => r.Key.Task)).WaitAsync(ct);
    }

    private async Task CreateWhileQueuedAsync()
    {
        while (true)
        {
            var group = new List<Request>();
            lock (_gate)
            {
                while (group.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                }

                if (group.Count == 0)
                {
                    _creators--;
                    return;
                }
            }

            try
            {
                var keys = await getOrCreate([.. group.Select(r => r.Aliases)]);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Key.TrySetResult(keys[i]);
                }
            }
            catch (Exception e)
            {
                group.ForEach(r => r.Key.TrySetException(e));
            }
        }
    }

    private sealed record Request(IReadOnlyList<string> Aliases)
    {
        public TaskCompletionSource<SubjectKey> Key { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
