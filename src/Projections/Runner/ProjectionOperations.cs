using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>What operators do to projections; the runner on the leading node picks it up within a second.</summary>
public sealed class ProjectionOperations(NpgsqlDataSource dataSource, IEnumerable<IProjection> projections, IEventStore store, EventTypeRegistry registry)
{
    public IProjection? Find(string name) => projections.FirstOrDefault(p => p.Name == name);

    /// <summary>Builds the projection anew beside the serving generation and swaps it in once caught up.</summary>
    public async Task<Generation> RebuildAsync(IProjection projection, CancellationToken ct)
    {
        await ProjectionSchema.EnsureAsync(dataSource, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ProjectionGenerations.RequestRebuildAsync(connection, projection, ct);
    }

    public async Task ResetAsync(IProjection projection, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await ProjectionGenerations.ResetAsync(connection, projection.Name, ct);
    }

    /// <summary>
    /// Projects one stream again into the serving generation: its rows are removed and its events
    /// up to the checkpoint applied anew, in one transaction. Locking the checkpoint row keeps the
    /// runner's next batch waiting meanwhile (it locks the same row first), and events past the
    /// checkpoint are left to the runner.
    /// </summary>
    /// <returns>How many events were applied again.</returns>
    public async Task<int> RebuildStreamAsync(IProjection projection, string streamId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var applied = await ProjectStreamAgainAsync(connection, tx, projection, streamId, ct);
        await tx.CommitAsync(ct);
        return applied;
    }

    /// <summary>
    /// <see cref="RebuildStreamAsync"/> inside the caller's transaction, which commits it (with
    /// what else it does there) or rolls it back.
    /// </summary>
    /// <returns>How many events were applied again.</returns>
    internal async Task<int> ProjectStreamAgainAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IProjection projection, string streamId, CancellationToken ct)
    {
        await using var serving = new NpgsqlCommand(
            "SELECT generation, version, position FROM proj.checkpoints WHERE projection = $1 AND active FOR UPDATE", connection, tx);
        serving.Parameters.AddWithValue(projection.Name);
        int generation;
        long position;
        await using (var reader = await serving.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct) || reader.GetInt32(1) != projection.Version)
            {
                throw new InvalidOperationException($"{projection.Name} has no serving generation of version {projection.Version}: a full build is under way.");
            }

            (generation, position) = (reader.GetInt32(0), reader.GetInt64(2));
        }

        await using var write = new ProjectionWrite(new Generation(generation, projection.Version, position, true, false).Table(projection));
        if (!projection.ForgetStream(write, streamId))
        {
            throw new InvalidOperationException($"{projection.Name} cannot rebuild stream '{streamId}' on its own; rebuild the whole projection.");
        }

        var applied = 0;
        for (var version = 0L; ; )
        {
            var page = await store.ReadStreamAsync(streamId, ReadDirection.Forward, version, 500, ct);
            foreach (var recorded in page.Where(e => e.Position <= position))
            {
                if (registry.Deserialize(recorded) is { } @event)
                {
                    projection.Apply(write, recorded, @event);
                    applied++;
                }
            }

            if (page.Count < 500)
            {
                break;
            }

            version = page[^1].StreamVersion + 1;
        }

        await write.FlushAsync(connection, tx, ct);
        return applied;
    }
}
