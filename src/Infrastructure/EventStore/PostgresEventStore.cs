using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.Privacy;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// The event store on PostgreSQL. Appends are one statement (after the rows of new subjects' keys,
/// when there are any); see EventStoreSql for the why of each query.
/// </summary>
public sealed partial class PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions options, AppendNotifications notifications) : IEventStore, IKeysWithAppend
{
    private const string UniqueViolation = "23505";
    private const int MaxRacesForNextVersion = 20;
    private readonly EventStoreSql _sql = new(options.Schema);
    private readonly SubjectKeyRows _keyRows = new(options);

    public Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        Validate(streamId, events);
        return CommitInGroupAsync(new PendingAppend(streamId, expected, events, []), ct);
    }

    /// <summary>The append with new subjects' keys in its transaction: they commit together, or neither does.</summary>
    async Task<AppendResult> IKeysWithAppend.AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, IReadOnlyList<NewSubjectKey> newKeys, CancellationToken ct)
    {
        Validate(streamId, events);
        // Read once: the statements of the keys' aliases are built where nothing can wait for it.
        await _keyRows.AliasHashKeyAsync(dataSource, ct);
        return await CommitInGroupAsync(new PendingAppend(streamId, expected, events, newKeys), ct);
    }

    /// <summary>One append in a transaction of its own: what a group of one, or each append of a group that failed, comes to.</summary>
    private async Task<AppendResult> AppendAloneAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, IReadOnlyList<NewSubjectKey> newKeys, CancellationToken ct)
    {
        for (var race = 0; ; race++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                await using var batch = AppendBatch(connection, newKeys, AppendCommand(streamId, expected, events, inCallersTransaction: false));
                if (await ExecuteAppendAsync(batch, ct) is { } appended)
                {
                    notifications.Committed([.. events.Select(e => (streamId, e.Type))]);
                    return appended;
                }
            }
            catch (PostgresException e) when (SubjectKeyRows.IsAliasTaken(e))
            {
                throw new SubjectAliasTakenException(e);
            }
            catch (PostgresException e) when (e.SqlState == UniqueViolation && e.ConstraintName == "events_stream_version_unique")
            {
                // Another writer took the version we computed. If the expectation does not pin a
                // version, the next one is still ours to take.
                if (expected.Kind is ExpectedVersionKind.Any or ExpectedVersionKind.StreamExists && race < MaxRacesForNextVersion)
                {
                    continue;
                }
            }
            catch (PostgresException e) when (e.SqlState == UniqueViolation && e.ConstraintName == "events_event_id_unique")
            {
                // Falls through to the idempotency check below.
            }

            return await ResolveRejectedAppendAsync(streamId, expected, events, ct);
        }
    }

    /// <summary>
    /// Appends inside the caller's transaction, so that events commit together with other rows
    /// (saga state, an outbox). Subscribers are told by a NOTIFY that PostgreSQL only delivers if
    /// the transaction commits. A conflict dooms the transaction: the caller retries all of it.
    /// </summary>
    internal async Task<AppendResult> AppendAsync(NpgsqlTransaction transaction, string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        Validate(streamId, events);
        var connection = transaction.Connection ?? throw new ArgumentException("The transaction has completed.", nameof(transaction));
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { AppendCommand(streamId, expected, events, inCallersTransaction: true) } };
        if (await ExecuteAppendAsync(batch, ct) is not { } appended)
        {
            throw new WrongExpectedVersionException(streamId, expected, await CurrentVersionAsync(connection, streamId, ct));
        }

        await using var notify = new NpgsqlCommand("SELECT pg_notify($1, '')", connection, transaction);
        notify.Parameters.AddWithValue(options.NotificationChannel);
        await notify.ExecuteNonQueryAsync(ct);
        return appended;
    }

    private static void Validate(string streamId, IReadOnlyList<EventData> events)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        if (events.Count is 0 or > EventStoreSql.MaxEventsPerTransaction)
        {
            throw new ArgumentException($"An append takes 1 to {EventStoreSql.MaxEventsPerTransaction} events.", nameof(events));
        }
    }

    private NpgsqlBatchCommand AppendCommand(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, bool inCallersTransaction)
    {
        var command = new NpgsqlBatchCommand(AppendSql(events, inCallersTransaction));
        AddAppendParameters(command.Parameters, streamId, expected, events);
        return command;
    }

    /// <summary>
    /// The append statement, after the rows of the new keys its events are sealed under: one
    /// batch runs as one implicit transaction, so the keys commit with the events or not at all.
    /// </summary>
    private NpgsqlBatch AppendBatch(NpgsqlConnection connection, IEnumerable<NewSubjectKey> newKeys, NpgsqlBatchCommand append)
    {
        var batch = new NpgsqlBatch(connection);
        var keys = newKeys.ToList();
        if (keys.Count > 0)
        {
            Array.ForEach(_keyRows.InsertNew(keys), batch.BatchCommands.Add);
        }

        batch.BatchCommands.Add(append);
        return batch;
    }

    private string AppendSql(IReadOnlyList<EventData> events, bool inCallersTransaction) => (events.Count == 1, inCallersTransaction) switch
    {
        (true, false) => _sql.AppendOne,
        (false, false) => _sql.AppendBatch,
        (true, true) => _sql.AppendOneInTransaction,
        (false, true) => _sql.AppendBatchInTransaction,
    };

    private static void AddAppendParameters(NpgsqlParameterCollection p, string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events)
    {
        var single = events.Count == 1;
        p.AddWithValue(streamId);
        if (single)
        {
            var e = events[0];
            p.AddWithValue(e.EventId);
            p.AddWithValue(e.Type);
            p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = e.Data });
            p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = EventRows.SerializeMetadata(e.Metadata) });
        }
        else
        {
            p.AddWithValue(events.Select(e => e.EventId).ToArray());
            p.AddWithValue(events.Select(e => e.Type).ToArray());
            p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(e => e.Data).ToArray() });
            p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(e => EventRows.SerializeMetadata(e.Metadata)).ToArray() });
        }

        p.AddWithValue((int)expected.Kind);
        p.AddWithValue(expected.Version);
    }

    private static async Task<AppendResult?> ExecuteAppendAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        await using var reader = await batch.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new AppendResult(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    /// <summary>
    /// Nothing was appended. If these exact events are already stored, this is a retry and gets
    /// the first result, however long ago that was; if their ids were used otherwise, the ids are
    /// being reused; otherwise the expected version was wrong.
    /// </summary>
    private async Task<AppendResult> ResolveRejectedAppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(_sql.ExistingEvents, connection);
        command.Parameters.AddWithValue(events.Select(e => e.EventId).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Type).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(e => e.Data).ToArray() });

        var stored = new List<(string? Stream, long Version, long Position, bool Same)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                stored.Add(reader.IsDBNull(0) ? (null, 0, 0, false) : (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3)));
            }
        }

        if (stored.All(s => s.Stream is null))
        {
            throw new WrongExpectedVersionException(streamId, expected, await CurrentVersionAsync(connection, streamId, ct));
        }

        var isRetry = stored.Select((s, i) => s.Stream == streamId && s.Same && s.Version == stored[0].Version + i).All(ok => ok);
        if (!isRetry)
        {
            var reused = events[stored.FindIndex(s => s.Stream is not null)].EventId;
            throw new EventIdReusedException(streamId, reused);
        }

        return new AppendResult(stored[^1].Version, stored[^1].Position);
    }

    private async Task<long> CurrentVersionAsync(NpgsqlConnection connection, string streamId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(_sql.StreamVersion, connection);
        command.Parameters.AddWithValue(streamId);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
