namespace EventSourced.Application.Privacy;

/// <summary>
/// Keys for subjects not in memory, fetched or created in groups (<see cref="CommitGroups{TItem}"/>):
/// concurrent writers of new subjects (contacts added at once, a poll of orders from new buyers)
/// share one transaction for their keys rather than each paying its own round trip and WAL flush
/// (ADR 0025).
/// </summary>
internal sealed class KeyCreationGroups
{
    // Round trips at once: one in flight while the next group forms behind it.
    private const int MaxCreators = 2;
    private const int MaxGroup = 1000;

    private readonly CommitGroups<Request> _groups;

    public KeyCreationGroups(Func<IReadOnlyList<IReadOnlyList<string>>, Task<IReadOnlyList<SubjectKey>>> getOrCreate) =>
        _groups = new(
            MaxCreators,
            MaxGroup,
            async group =>
            {
                var keys = await getOrCreate([.. group.Select(r => r.Aliases)]);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Key.TrySetResult(keys[i]);
                }
            },
            fail: (group, e) => group.ForEach(r => r.Key.TrySetException(e)));

    /// <summary>Each subject's key (by its aliases), in the order asked.</summary>
    public Task<SubjectKey[]> KeysForAsync(IEnumerable<IReadOnlyList<string>> subjects, CancellationToken ct)
    {
        var requests = subjects.Select(aliases => new Request(aliases)).ToList();
        _groups.Add(requests);
        // A caller that stops waiting leaves its keys to be created: a key no event uses is harmless.
        return Task.WhenAll(requests.Select(r => r.Key.Task)).WaitAsync(ct);
    }

    private sealed record Request(IReadOnlyList<string> Aliases)
    {
        public TaskCompletionSource<SubjectKey> Key { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
