using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>Writes of a batch that are not plain statements: they run in the batch's transaction, in order (<see cref="ProjectionWrite.Step{TStep}"/>).</summary>
public interface IWriteStep
{
    Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct);
}
