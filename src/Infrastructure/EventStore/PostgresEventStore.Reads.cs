using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

public sealed partial class PostgresEventStore
{
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(direction == ReadDirection.Forward ? _sql.ReadStreamForward : _sql.ReadStreamBackward);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue(fromVersion);
        command.Parameters.AddWithValue(maxCount);
        return await EventRows.ReadAllAsync(command, ct);
    }

    /// <summary>
    /// A page of $all. Committed events held behind a transaction still in flight (usually for
    /// well under a millisecond) are waited for, up to <see cref="EventStoreOptions.ReadAllSettleTimeout"/>,
    /// so that a reader sees its own appends; past that the page says it is not the end.
    /// </summary>
    public async Task<AllEventsPage> ReadAllAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var backoff = new InFlightBackoff();
        var settling = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var page = await ReadAllPageAsync(afterPosition, maxCount, filter, ct);
            if (page.IsEnd || page.Events.Count == maxCount || settling.Elapsed >= options.ReadAllSettleTimeout)
            {
                return page;
            }

            await backoff.WaitAsync(ct);
        }
    }

    public async Task<long> LastPositionAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_sql.LastPosition);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>One read of $all below the horizon, without waiting for anything.</summary>
    private async Task<AllEventsPage> ReadAllPageAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            filter.Categories is not null ? _sql.ReadAllByCategories : filter.EventTypes is not null ? _sql.ReadAllByTypes : _sql.ReadAll);
        command.Parameters.AddWithValue(afterPosition);
        command.Parameters.AddWithValue(maxCount);
        if (filter.Categories is not null)
        {
            command.Parameters.AddWithValue(filter.Categories.ToArray());
        }
        else if (filter.EventTypes is not null)
        {
            command.Parameters.AddWithValue(filter.EventTypes.ToArray());
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<RecordedEvent>();
        long horizon = 0, head = 0;
        while (await reader.ReadAsync(ct))
        {
            horizon = reader.GetInt64(0);
            head = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
            if (!reader.IsDBNull(2))
            {
                events.Add(EventRows.Read(reader, first: 2));
            }
        }

        // Fewer events than asked means nothing else below the horizon matches the filter: the
        // reader may go on from there instead of scanning the same unmatched events next time.
        var last = events.Count > 0 ? events[^1].Position : afterPosition;
        if (events.Count < maxCount)
        {
            last = Math.Max(last, horizon - 1);
        }

        return new AllEventsPage(events, last, IsEnd: events.Count < maxCount && head < horizon);
    }

    public async Task<IReadOnlyList<RecordedEvent>> ReadByCorrelationIdAsync(string correlationId, int maxCount, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_sql.ReadByCorrelationId);
        command.Parameters.AddWithValue(correlationId);
        command.Parameters.AddWithValue(maxCount);
        return await EventRows.ReadAllAsync(command, ct);
    }

    public async Task SetStreamMetadataAsync(string streamId, StreamMetadata metadata, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_sql.SetMetadata);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue((object?)metadata.TruncateBefore ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)metadata.MaxCount ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)metadata.MaxAge ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<StreamMetadata> GetStreamMetadataAsync(string streamId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_sql.GetMetadata);
        command.Parameters.AddWithValue(streamId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return StreamMetadata.None;
        }

        return new StreamMetadata(
            reader.IsDBNull(0) ? null : reader.GetInt64(0),
            reader.IsDBNull(1) ? null : reader.GetInt32(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<TimeSpan>(2));
    }

    public async Task SoftDeleteAsync(string streamId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_sql.SoftDelete);
        command.Parameters.AddWithValue(streamId);
        await command.ExecuteNonQueryAsync(ct);
    }
}
