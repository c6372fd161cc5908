using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>What operators do to projections; the runner on the leading node picks it up within a second.</summary>
public sealed class ProjectionOperations(NpgsqlDataSource dataSource, IEnumerable<IProjection> projections)
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
}
