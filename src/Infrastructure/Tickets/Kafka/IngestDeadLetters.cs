using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>A record that could not be applied, kept whole with the reason, so that its partition goes on.</summary>
public sealed record IngestDeadLetter(
    long Id, string Topic, int Partition, long Offset, string? Key, IReadOnlyDictionary<string, string> Headers, byte[] Body, string Reason, DateTimeOffset StoredAt);

/// <summary>The seller's records that could not be applied (schema ingest.dead_letters), once each by topic, partition and offset.</summary>
public sealed class IngestDeadLetters(NpgsqlDataSource dataSource)
{
    private const string Schema = """
        CREATE SCHEMA IF NOT EXISTS ingest;
        CREATE TABLE IF NOT EXISTS ingest.dead_letters (
            id         bigserial   PRIMARY KEY,
            topic      text        NOT NULL,
            partition  integer     NOT NULL,
            "offset"   bigint      NOT NULL,
            key        text,
            headers    jsonb       NOT NULL,
            body       bytea       NOT NULL,
            reason     text        NOT NULL,
            stored_at  timestamptz NOT NULL DEFAULT now(),
            UNIQUE (topic, partition, "offset"));
        """;

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(Schema);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stores the record; the same record again (a redelivery) is stored once.</summary>
    public async Task StoreAsync(string topic, int partition, long offset, string? key, IReadOnlyDictionary<string, string> headers, byte[] body, string reason, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO ingest.dead_letters (topic, partition, "offset", key, headers, body, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (topic, partition, "offset") DO NOTHING
            """);
        command.Parameters.AddWithValue(topic);
        command.Parameters.AddWithValue(partition);
        command.Parameters.AddWithValue(offset);
        command.Parameters.AddWithValue((object?)key ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(headers) });
        command.Parameters.AddWithValue(body);
        command.Parameters.AddWithValue(reason);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<IngestDeadLetter>> ListAsync(int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""SELECT id, topic, partition, "offset", key, headers::text, body, reason, stored_at FROM ingest.dead_letters ORDER BY id LIMIT $1""");
        command.Parameters.AddWithValue(limit);
        var letters = new List<IngestDeadLetter>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                letters.Add(new IngestDeadLetter(
                    reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5))!, (byte[])reader[6], reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // No consumer has run on this store yet.
        }

        return letters;
    }
}
