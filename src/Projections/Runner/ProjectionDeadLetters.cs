using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <param name="Generation">The generation that parked it: the serving one, or one being built beside it.</param>
/// <param name="Serving">Whether that generation serves queries now.</param>
/// <param name="StreamId">The event's stream, read from the store; null when the event is no longer there.</param>
public sealed record ProjectionDeadLetter(
    long Id, int Generation, bool Serving, long Position, Guid EventId, string EventType, string? StreamId, string Error, DateTimeOffset FailedAt);

/// <param name="Found">False: neither the serving generation nor one being built has a dead letter of this id.</param>
/// <param name="Error">Why the stream still cannot be projected; the dead letter then stays.</param>
/// <param name="Resumed">The projection had stopped at its poison events and, none being left, goes on.</param>
public sealed record DeadLetterReplayed(bool Found, string? StreamId, int EventsApplied, string? Error, bool Resumed);

/// <param name="Replayed">Dead letters whose stream was projected again: they are gone.</param>
/// <param name="Streams">How many streams were projected again.</param>
/// <param name="StillFailing">Those that stay: their stream still cannot be projected, or their event is gone.</param>
/// <param name="Resumed">A generation stopped at its poison events goes on, none being left.</param>
public sealed record DeadLettersReplayed(int Replayed, int Streams, IReadOnlyList<DeadLetterStillFailing> StillFailing, bool Resumed);

public sealed record DeadLetterStillFailing(long Id, string? StreamId, string Error);

/// <summary>
/// The events a projection parked (proj.dead_letters), for operators: listed with their stream and
/// error; replayed after a fix, by projecting the event's whole stream again in place (the parked
/// event alone, applied after its stream's later events, could undo them); or discarded. Once its
/// generation has none left, a generation stopped by them goes on. A generation being built (a
/// rebuild, a new version) has its own: a build stopped at a poison event must be as easy to mend
/// as the serving generation. Those of generations replaced are dropped with their tables.
/// </summary>
public sealed class ProjectionDeadLetters(NpgsqlDataSource dataSource, IEventStore store, ProjectionOperations operations)
{
    private static readonly DeadLetterReplayed NotFound = new(false, null, 0, null, false);

    /// <summary>
    /// The checkpoint c is the serving generation's, or that of one built beside it: of the running
    /// version, and none newer serves. A replaced or abandoned generation's dead letters wait for its
    /// tables to be dropped, and mean nothing now.
    /// </summary>
    private static string Current(IProjection projection) => $"""
        (c.active OR c.version = {projection.Version}
            AND NOT EXISTS (SELECT FROM proj.checkpoints s WHERE s.projection = c.projection AND s.active AND s.generation > c.generation))
        """;

    /// <summary>In the order they were parked; <paramref name="afterId"/> (the last one listed) pages on.</summary>
    public async Task<IReadOnlyList<ProjectionDeadLetter>> ListAsync(IProjection projection, int limit, long afterId, CancellationToken ct)
    {
        var listed = new List<ProjectionDeadLetter>();
        foreach (var deadLetter in await ReadAsync(projection, null, limit, ct, afterId))
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
            return new DeadLetterReplayed(true, null, 0, Gone(deadLetter), false);
        }

        return await ReplayStreamAsync(projection, deadLetter.Generation, streamId, [id], ct) switch
        {
            { Error: { } error } => new DeadLetterReplayed(true, streamId, 0, error, false),
            // Discarded, or its generation replaced, meanwhile.
            { Removed: 0 } => NotFound,
            var done => new DeadLetterReplayed(true, streamId, done.Applied, null, done.Resumed),
        };
    }

    /// <summary>
    /// After a fix, every dead letter of the current generations: each stream projected again once
    /// for all its dead letters, streams in the order of their first one. A handler that failed on
    /// every event of a kind parks hundreds, often several a stream.
    /// </summary>
    public async Task<DeadLettersReplayed> ReplayAllAsync(IProjection projection, CancellationToken ct)
    {
        var (replayed, streams, resumed, stillFailing) = (0, 0, false, new List<DeadLetterStillFailing>());
        var located = new List<(ProjectionDeadLetter Letter, string? StreamId)>();
        foreach (var deadLetter in await ReadAsync(projection, null, int.MaxValue, ct))
        {
            located.Add((deadLetter, await StreamOfAsync(deadLetter, ct)));
        }

        stillFailing.AddRange(located.Where(l => l.StreamId is null).Select(l => new DeadLetterStillFailing(l.Letter.Id, null, Gone(l.Letter))));
        foreach (var stream in located.Where(l => l.StreamId is not null).GroupBy(l => (l.Letter.Generation, StreamId: l.StreamId!)))
        {
            var ids = stream.Select(l => l.Letter.Id).ToList();
            var done = await ReplayStreamAsync(projection, stream.Key.Generation, stream.Key.StreamId, ids, ct);
            if (done.Error is { } error)
            {
                stillFailing.AddRange(ids.Select(id => new DeadLetterStillFailing(id, stream.Key.StreamId, error)));
                continue;
            }

            (replayed, streams, resumed) = (replayed + done.Removed, streams + 1, resumed || done.Resumed);
        }

        return new DeadLettersReplayed(replayed, streams, stillFailing, resumed);
    }

    private static string Gone(ProjectionDeadLetter deadLetter) => $"Event {deadLetter.EventId} is no longer in the store: discard its dead letter.";

    /// <summary>
    /// Projects the stream again in the generation, and removes these of its dead letters, in one
    /// transaction; a generation stopped by its dead letters goes on once none is left.
    /// </summary>
    private async Task<(int Applied, int Removed, bool Resumed, string? Error)> ReplayStreamAsync(
        IProjection projection, int generation, string streamId, IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        int applied;
        try
        {
            applied = await operations.ProjectStreamAgainAsync(connection, tx, projection, streamId, generation, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && !StoreUnavailable.Is(e))
        {
            // Still failing (the fix is not in yet), or this projection cannot repair one stream: nothing changes.
            return (0, 0, false, e.Message);
        }

        var removed = 0;
        foreach (var id in ids)
        {
            removed += await RemoveAsync(connection, tx, projection, id, ct) is null ? 0 : 1;
        }

        if (removed == 0)
        {
            // Discarded, or their generation replaced, meanwhile: rolled back, as if never asked.
            return (applied, 0, false, null);
        }

        var resumed = await ResumeIfNoneLeftAsync(connection, tx, projection, generation, ct);
        await tx.CommitAsync(ct);
        return (applied, removed, resumed, null);
    }

    /// <summary>Drops a dead letter without projecting its event; false when there is none of this id.</summary>
    public async Task<bool> DiscardAsync(IProjection projection, long id, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await RemoveAsync(connection, tx, projection, id, ct) is not { } generation)
        {
            return false;
        }

        await ResumeIfNoneLeftAsync(connection, tx, projection, generation, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// The current generations' dead letters (or the one of <paramref name="id"/>), without their
    /// streams, by id: the order they were parked in, whichever generation parked them.
    /// </summary>
    private async Task<List<ProjectionDeadLetter>> ReadAsync(IProjection projection, long? id, int limit, CancellationToken ct, long afterId = 0)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT d.id, d.generation, c.active, d.position, d.event_id, d.event_type, d.error, d.failed_at
            FROM proj.dead_letters d JOIN proj.checkpoints c ON c.projection = d.projection AND c.generation = d.generation
            WHERE d.projection = $1 AND ($2::bigint IS NULL OR d.id = $2) AND d.id > $4 AND {Current(projection)} ORDER BY d.id LIMIT $3
            """);
        command.Parameters.AddWithValue(projection.Name);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(afterId);
        var rows = new List<ProjectionDeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ProjectionDeadLetter(
                reader.GetInt64(0), reader.GetInt32(1), reader.GetBoolean(2), reader.GetInt64(3), reader.GetGuid(4), reader.GetString(5), null, reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return rows;
    }

    // Dead letters keep the event's position, not its stream: the store tells it, on either backend.
    private async Task<string?> StreamOfAsync(ProjectionDeadLetter deadLetter, CancellationToken ct)
    {
        var page = await store.ReadAllAsync(deadLetter.Position - 1, 1, EventFilter.All.Sealed(), ct);
        return page.Events is [var recorded] && recorded.EventId == deadLetter.EventId ? recorded.StreamId : null;
    }

    /// <summary>Removes a current generation's dead letter of this id; its generation, or null when there is none.</summary>
    private static async Task<int?> RemoveAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IProjection projection, long id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            DELETE FROM proj.dead_letters d USING proj.checkpoints c
            WHERE d.projection = $1 AND d.id = $2 AND c.projection = d.projection AND c.generation = d.generation AND {Current(projection)}
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
