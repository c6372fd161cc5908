using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>A record that could not be applied, kept whole with the reason, so that its partition goes on.</summary>
public sealed record IngestDeadLetter(
    long Id, string Topic, int Partition, long Offset, string? Key, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset RecordedAt, string Reason, DateTimeOffset StoredAt)
{
    public TicketRecord ToRecord() => new(Topic, Partition, Offset, Key, Headers, Body, RecordedAt);
}

/// <summary>The seller's records that could not be applied (ingest.dead_letters), once each by topic, partition and offset.</summary>
public sealed class IngestDeadLetters(NpgsqlDataSource dataSource)
{
    private const string Columns = """id, topic, partition, "offset", key, headers::text, body, recorded_at, reason, stored_at""";

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE SCHEMA IF NOT EXISTS ingest;
            CREATE TABLE IF NOT EXISTS ingest.dead_letters (
                id          bigserial   PRIMARY KEY,
                topic       text        NOT NULL,
                partition   integer     NOT NULL,
                "offset"    bigint      NOT NULL,
                key         text,
                headers     jsonb       NOT NULL,
                body        bytea       NOT NULL,
                recorded_at timestamptz NOT NULL,
                reason      text        NOT NULL,
                stored_at   timestamptz NOT NULL DEFAULT now(),
                UNIQUE (topic, partition, "offset"));
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stores the record; the same record again (a redelivery) is stored once.</summary>
    public Task StoreAsync(TicketRecord record, string reason, CancellationToken ct) =>
        ExecuteAsync(
            """
            INSERT INTO ingest.dead_letters (topic, partition, "offset", key, headers, body, recorded_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (topic, partition, "offset") DO NOTHING
            """,
            ct, record.Topic, record.Partition, record.Offset, record.Key, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(record.Headers) },
            record.Body, record.Timestamp.ToUniversalTime(), reason);

    public async Task<long> CountAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM ingest.dead_letters");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>In the order they came, after the one of id <paramref name="afterId"/> (0: from the first); of one topic, or of all.</summary>
    public Task<IReadOnlyList<IngestDeadLetter>> ListAsync(int limit, long afterId, string? topic, CancellationToken ct) =>
        QueryAsync($"SELECT {Columns} FROM ingest.dead_letters WHERE id > $2 AND ($3::text IS NULL OR topic = $3) ORDER BY id LIMIT $1", ct, limit, afterId, topic);

    public async Task<IngestDeadLetter?> FindAsync(long id, CancellationToken ct) =>
        await QueryAsync($"SELECT {Columns} FROM ingest.dead_letters WHERE id = $1", ct, id) is [var letter] ? letter : null;

    /// <returns>False when there is no such dead letter.</returns>
    public async Task<bool> RemoveAsync(long id, CancellationToken ct) => await ExecuteAsync("DELETE FROM ingest.dead_letters WHERE id = $1", ct, id) > 0;

    /// <summary>Drops the records whose raw body mentions any of these values (a forgotten buyer's email or phone): they are not in the event store, so no key shreds them.</summary>
    public Task<int> RemoveMentioningAsync(IReadOnlyList<string> values, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM ingest.dead_letters WHERE EXISTS (SELECT FROM unnest($1::bytea[]) AS v(value) WHERE position(v.value IN body) > 0)", ct,
            (object)values.Select(System.Text.Encoding.UTF8.GetBytes).ToArray());

    public Task UpdateReasonAsync(long id, string reason, CancellationToken ct) => ExecuteAsync("UPDATE ingest.dead_letters SET reason = $2 WHERE id = $1", ct, id, reason);

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        try
        {
            return await command.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // No consumer has run on this store yet: there is nothing to change.
            return 0;
        }
    }

    private async Task<IReadOnlyList<IngestDeadLetter>> QueryAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        var letters = new List<IngestDeadLetter>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                letters.Add(new IngestDeadLetter(
                    reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5))!, (byte[])reader[6], reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8),
                    reader.GetFieldValue<DateTimeOffset>(9)));
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // No consumer has run on this store yet: there are none.
        }

        return letters;
    }

    private NpgsqlCommand Command(string sql, object?[] parameters)
    {
        var command = dataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }
}
