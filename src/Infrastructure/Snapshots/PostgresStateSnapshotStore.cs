using EventSourced.Application.Commands;
using EventSourced.Infrastructure.EventStore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Infrastructure.Snapshots;

/// <summary>
/// Snapshots in <c>{schema}.stream_snapshots</c>, on either backend: beside the events on
/// PostgreSQL, beside the read models with EventStoreDB. A database that does not answer means
/// "no snapshot" and a save dropped, both logged: the stream itself is still read in full.
/// </summary>
public sealed partial class PostgresStateSnapshotStore(NpgsqlDataSource dataSource, EventStoreOptions options, ILogger<PostgresStateSnapshotStore> logger) : IStateSnapshotStore
{
    private readonly string _find = $"SELECT shape, version, event_id, state::text FROM {options.Schema}.stream_snapshots WHERE stream_id = $1";
    private readonly string _save = $"""
        INSERT INTO {options.Schema}.stream_snapshots (stream_id, shape, version, event_id, state) VALUES ($1, $2, $3, $4, $5::jsonb)
        ON CONFLICT (stream_id) DO UPDATE SET shape = excluded.shape, version = excluded.version, event_id = excluded.event_id, state = excluded.state, taken_at = now()
        """;

    public async Task<StoredSnapshot?> FindAsync(string streamId, CancellationToken ct = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand(_find);
            command.Parameters.AddWithValue(streamId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? new StoredSnapshot(reader.GetString(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetString(3)) : null;
        }
        catch (NpgsqlException e) when (!ct.IsCancellationRequested)
        {
            LogUnreadable(logger, streamId, e.Message);
            return null;
        }
    }

    public async Task SaveAsync(string streamId, StoredSnapshot snapshot, CancellationToken ct = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand(_save);
            command.Parameters.AddWithValue(streamId);
            command.Parameters.AddWithValue(snapshot.Shape);
            command.Parameters.AddWithValue(snapshot.Version);
            command.Parameters.AddWithValue(snapshot.EventId);
            command.Parameters.AddWithValue(snapshot.State);
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (NpgsqlException e) when (!ct.IsCancellationRequested)
        {
            LogUnsaved(logger, streamId, snapshot.Version, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No snapshot of stream {StreamId} could be read ({Reason}); folding it from the start.")]
    private static partial void LogUnreadable(ILogger logger, string streamId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The snapshot of stream {StreamId} at version {Version} was not saved ({Reason}); the next one is taken later.")]
    private static partial void LogUnsaved(ILogger logger, string streamId, long version, string reason);
}
