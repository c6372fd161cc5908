using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <param name="StreamId">The event's stream, read from the store; null when the event is no longer there.</param>
public sealed record ProjectionDeadLetter(long Id, long Position, Guid EventId, string EventType, string? StreamId, string Error, DateTimeOffset FailedAt);

/// <param name="Found">False: the serving generation has no dead letter of this id.</param>
/// <param name="Error">Why the stream still cannot be projected; the dead letter then stays.</param>
/// <param name="Resumed">The projection had stopped at its poison events and, none being left, goes on.</param>
public sealed record DeadLetterReplayed(bool Found, string? StreamId, int EventsApplied, string? Error, bool Resumed);

/// <summary>
/// The events a projection parked (proj.dead_letters), for operators: listed with their stream and
/// error; replayed after a fix, by projecting the event's whole stream again in place (the parked
/// event alone, applied after its stream's later events, could undo them); or discarded. Once the
/// serving generation has none left, a projection stopped by them goes on.
/// </summary>
public sealed class ProjectionDeadLetters(NpgsqlDataSource dataSource, IEventStore store, ProjectionOperations operations)
{
    private static readonly DeadLetterReplayed NotFound = new(false, null, 0, null, false);

    public async Task<IReadOnlyList<ProjectionDeadLetter>> ListAsync(IProjection projection, int limit, CancellationToken ct)
    {
        var listed = new List<ProjectionDeadLetter>();
        foreach (var deadLetter in await ReadAsync(projection, null, limit, ct))
        {
            listed.Add(deadLetter with { StreamId = await StreamOfAsync(deadLetter, ct) });
        }

        return listed;
    }

    public async Task<DeadLetterReplayed> ReplayAsync(IProjection projection, long id, CancellationToken ct)
    {
        if (await ReadAsync(projection, id, 1, ct) is not [var deadLetter])
        {
            return NotFound;
        }

        if (await StreamOfAsync(deadLetter, ct) is not { } streamId)
        {
            return new DeadLetterReplayed(true, null, 0, $"Event {deadLetter.EventId} is no longer in the store: discard its dead letter.", false);
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int applied;
        try
        {
            applied = await operations.ProjectStreamAgainAsync(connection, tx, projection, streamId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException and not NpgsqlException { IsTransient: true })
        {
            // Still failing (the fix is not in yet), or this projection cannot repair one stream: nothing changes.
            return new DeadLetterReplayed(true, streamId, 0, e.Message, false);
        }

        if (await RemoveFromServingAsync(connection, tx, projection, id, ct) is not { } generation)
        {
            // Discarded, or its generation replaced, meanwhile.
            return NotFound;
        }

        var resumed = await ResumeIfNoneLeftAsync(connection, tx, projection, generation, ct);
        await tx.CommitAsync(ct);
        return new DeadLetterReplayed(true, streamId, applied, null, resumed);
    }

    /// <summary>Drops a dead letter without projecting its event; false when there is none of this id.</summary>
    public async Task<bool> DiscardAsync(IProjection projection, long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await RemoveFromServingAsync(connection, tx, projection, id, ct) is not { } generation)
        {
            return false;
        }

        await ResumeIfNoneLeftAsync(connection, tx, projection, generation, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The serving generation's dead letters (or the one of <paramref name="id"/>), without their streams.</summary>
    private async Task<List<ProjectionDeadLetter>> ReadAsync(IProjection projection, long? id, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.position, d.event_id, d.event_type, d.error, d.failed_at
            FROM proj.dead_letters d JOIN proj.checkpoints c ON c.projection = d.projection AND c.generation = d.generation AND c.active
            WHERE d.projection = $1 AND ($2::bigint IS NULL OR d.id = $2) ORDER BY d.id LIMIT $3
            """);
        command.Parameters.AddWithValue(projection.Name);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue(limit);
        var rows = new List<ProjectionDeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ProjectionDeadLetter(reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetString(3), null, reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rows;
    }

    // Dead letters keep the event's position, not its stream: the store tells it, on either backend.
    private async Task<string?> StreamOfAsync(ProjectionDeadLetter deadLetter, CancellationToken ct)
    {
        var page = await store.ReadAllAsync(deadLetter.Position - 1, 1, EventFilter.All.Sealed(), ct);
        return page.Events is [var recorded] && recorded.EventId == deadLetter.EventId ? recorded.StreamId : null;
    }

    /// <summary>Removes the serving generation's dead letter of this id; its generation, or null when it has none.</summary>
    private static async Task<int?> RemoveFromServingAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IProjection projection, long id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            DELETE FROM proj.dead_letters d USING proj.checkpoints c
            WHERE d.projection = $1 AND d.id = $2 AND c.projection = d.projection AND c.generation = d.generation AND c.active
            RETURNING d.generation
            """, connection, tx);
        command.Parameters.AddWithValue(projection.Name);
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync(ct) as int?;
    }

    private static async Task<bool> ResumeIfNoneLeftAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IProjection projection, int generation, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            UPDATE proj.checkpoints SET stopped = false
            WHERE projection = $1 AND generation = $2 AND stopped
              AND NOT EXISTS (SELECT 1 FROM proj.dead_letters WHERE projection = $1 AND generation = $2)
            """, connection, tx);
        command.Parameters.AddWithValue(projection.Name);
        command.Parameters.AddWithValue(generation);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }
}
