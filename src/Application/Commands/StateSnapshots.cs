using System.Collections.Concurrent;
using System.Text.Json;
using EventSourced.Application.EventStore;

namespace EventSourced.Application.Commands;

/// <summary>
/// Which states are snapshotted: those of type <paramref name="StateType"/>, every
/// <paramref name="Every"/> events. <paramref name="Shape"/> names the state's form and the fold
/// that made it: change it whenever either changes, and every kept snapshot is passed over.
/// Only for states without personal data: a snapshot is not re-read when a subject is forgotten.
/// </summary>
public sealed record SnapshotPolicy(Type StateType, string Shape, int Every);

/// <summary>
/// Snapshots of long streams' states (ADR 0036), so that a node that starts, or forgot what it
/// folded, reads only the events after the last snapshot instead of the whole stream. A state
/// read back is only a starting point, as a remembered one is: the load checks that the stream
/// still holds the snapshot's event at its version before folding on.
/// </summary>
public sealed class StateSnapshots(IStateSnapshotStore store, IEnumerable<SnapshotPolicy> policies)
{
    private readonly Dictionary<Type, SnapshotPolicy> _policies = policies.ToDictionary(p => p.StateType);
    // The version of each stream's last snapshot this node took, so it takes one every Every
    // events rather than at each append. A node takes one at its first load of a long stream too:
    // the kept one may be one the stream no longer holds (a backup of the events restored).
    private readonly ConcurrentDictionary<string, long> _taken = new();

    /// <summary>Snapshots nothing: for tools and tests that fold streams without a node's stores.</summary>
    public static StateSnapshots Off { get; } = new(new NoStore(), []);

    /// <summary>The outcome of a snapshot read that was not used: the stream is folded from its first event.</summary>
    public const string PassedOver = "passed_over";

    /// <summary>The outcome of a snapshot read the stream bore out: only the events since it are folded.</summary>
    public const string Used = "used";

    /// <summary>The stream's last snapshot, when its state is snapshotted and one of the current shape is kept.</summary>
    public async Task<(TState State, long Version, Guid EventId)?> FindAsync<TState>(string streamId, CancellationToken ct)
    {
        if (!_policies.TryGetValue(typeof(TState), out var policy) || await store.FindAsync(streamId, ct) is not { } found)
        {
            return null;
        }

        try
        {
            if (found.Shape == policy.Shape && JsonSerializer.Deserialize<TState>(found.State, EventTypeRegistry.JsonOptions) is { } state)
            {
                return (state, found.Version, found.EventId);
            }
        }
        catch (JsonException)
        {
            // Not the state's form after all (a shape left unchanged by mistake, a row edited by hand).
        }

        CountRead(streamId, PassedOver);
        return null;
    }

    /// <summary>Counts a snapshot read by its stream's category and what became of it.</summary>
    public static void CountRead(string streamId, string outcome) =>
        Telemetry.SnapshotReads.Add(1, new KeyValuePair<string, object?>("category", StreamCategory.Of(streamId)), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Takes a snapshot of the state when its policy's count of events passed since the last one.</summary>
    public async Task TakeIfDueAsync<TState>(string streamId, TState state, long version, Guid eventId, CancellationToken ct)
    {
        if (!_policies.TryGetValue(typeof(TState), out var policy) || version - _taken.GetValueOrDefault(streamId, -1) < policy.Every)
        {
            return;
        }

        _taken[streamId] = version;
        await store.SaveAsync(streamId, new StoredSnapshot(policy.Shape, version, eventId, JsonSerializer.Serialize(state, EventTypeRegistry.JsonOptions)), ct);
    }

    private sealed class NoStore : IStateSnapshotStore
    {
        public Task<StoredSnapshot?> FindAsync(string streamId, CancellationToken ct = default) => Task.FromResult<StoredSnapshot?>(null);

        public Task SaveAsync(string streamId, StoredSnapshot snapshot, CancellationToken ct = default) => Task.CompletedTask;
    }
}
