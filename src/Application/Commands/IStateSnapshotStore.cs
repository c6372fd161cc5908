namespace EventSourced.Application.Commands;

/// <summary>
/// A stream's state as folded up to <paramref name="Version"/>, whose event was
/// <paramref name="EventId"/>, serialized as <paramref name="State"/> in the form
/// <paramref name="Shape"/> names.
/// </summary>
public sealed record StoredSnapshot(string Shape, long Version, Guid EventId, string State);

/// <summary>
/// Where snapshots of long streams' states are kept, one per stream. Only a shortcut for loading:
/// an adapter that cannot reach its store answers "none" and drops the save (saying so), so that
/// a command never fails for want of a snapshot.
/// </summary>
public interface IStateSnapshotStore
{
    Task<StoredSnapshot?> FindAsync(string streamId, CancellationToken ct = default);

    /// <summary>Replaces the stream's kept snapshot: an older one from a slower node is still a right starting point.</summary>
    Task SaveAsync(string streamId, StoredSnapshot snapshot, CancellationToken ct = default);
}
