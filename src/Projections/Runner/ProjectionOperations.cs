using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>What operators do to projections; the runner on the leading node picks it up within a second.</summary>
public sealed class ProjectionOperations(NpgsqlDataSource dataSource, IEnumerable<IProjection> projections, IEventStore store, EventTypeRegistry registry)
{
    public IProjection? Find(string name) => projections.FirstOrDefault(p => p.Name == name);

    /// <summary>Builds the projection anew beside the serving generation and swaps it in once caught up.</summary>
    /// <exception cref="InvalidOperationException">A node of a newer version runs it (a rolling upgrade): this version's build would never start.</exception>
    public async Task<Generation> RebuildAsync(IProjection projection, CancellationToken ct)
    {
        await ProjectionSchema.EnsureAsync(dataSource, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (await RunningVersions.NewerRunsAsync(connection, projection, ct))
        {
            throw new InvalidOperationException(
                $"A node with a newer version of {projection.Name} than this one's ({projection.Version}) runs it; rebuild it from a node of that version.");
        }

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
        var applied = await ProjectStreamAgainAsync(connection, tx, projection, streamId, generation: null, ct);
        await tx.CommitAsync(ct);
        return applied;
    }

    /// <summary>
    /// <see cref="RebuildStreamAsync"/> inside the caller's transaction, which commits it (with
    /// what else it does there) or rolls it back; into <paramref name="generation"/>, or the serving
    /// one when null.
    /// </summary>
    /// <returns>How many events were applied again.</returns>
    internal async Task<int> ProjectStreamAgainAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IProjection projection, string streamId, int? generation, CancellationToken ct)
    {
        await using var checkpoint = new NpgsqlCommand(
            "SELECT generation, version, position, active FROM proj.checkpoints WHERE projection = $1 AND ($2::integer IS NULL AND active OR generation = $2) FOR UPDATE",
            connection, tx);
        checkpoint.Parameters.AddWithValue(projection.Name);
        checkpoint.Parameters.Add(new NpgsqlParameter { Value = (object?)generation ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        Generation into;
        await using (var reader = await checkpoint.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct) || reader.GetInt32(1) != projection.Version)
            {
                throw new InvalidOperationException(generation is null
                    ? $"{projection.Name} has no serving generation of version {projection.Version}: a full build is under way."
                    : $"{projection.Name} generation {generation} is gone or not of version {projection.Version}: a full build of this version replaces it.");
            }

            into = new Generation(reader.GetInt32(0), projection.Version, reader.GetInt64(2), reader.GetBoolean(3), false);
        }

        await using var write = new ProjectionWrite(into.Table(projection));
        if (!projection.ForgetStream(write, streamId))
        {
            throw new InvalidOperationException($"{projection.Name} cannot rebuild stream '{streamId}' on its own; rebuild the whole projection.");
        }

        var applied = 0;
        for (var version = 0L; ; )
        {
            var page = await store.ReadStreamAsync(streamId, ReadDirection.Forward, version, 500, ct);
            foreach (var recorded in page.Where(e => e.Position <= into.Position))
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
