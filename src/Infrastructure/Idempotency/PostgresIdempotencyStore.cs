using EventSourced.Application.Idempotency;
using EventSourced.Infrastructure.EventStore;
using Npgsql;

namespace EventSourced.Infrastructure.Idempotency;

public sealed class PostgresIdempotencyStore(NpgsqlDataSource dataSource, EventStoreOptions options) : IIdempotencyStore
{
    private readonly string _find = $"SELECT request_hash, status, content_type, body, location, etag FROM {options.Schema}.idempotency_keys WHERE owner = $1 AND key = $2";
    private readonly string _save = $"""
        INSERT INTO {options.Schema}.idempotency_keys (owner, key, request_hash, status, content_type, body, location, etag)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (owner, key) DO NOTHING
        """;
    private readonly string _forgetOwner = $"DELETE FROM {options.Schema}.idempotency_keys WHERE owner = $1";
    // Rows another node is deleting are skipped, not waited for.
    private readonly string _deleteOlderThan = $"""
        DELETE FROM {options.Schema}.idempotency_keys WHERE ctid IN (
            SELECT ctid FROM {options.Schema}.idempotency_keys WHERE created_at < now() - $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
        """;

    public async Task<StoredResponse?> FindAsync(string owner, string key, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_find);
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new StoredResponse(
            reader.GetString(0),
            reader.GetInt32(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetFieldValue<byte[]>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    public async Task SaveAsync(string owner, string key, StoredResponse response, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_save);
        command.Parameters.AddWithValue(owner);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(response.RequestHash);
        command.Parameters.AddWithValue(response.Status);
        command.Parameters.AddWithValue((object?)response.ContentType ?? DBNull.Value);
        command.Parameters.AddWithValue(response.Body);
        command.Parameters.AddWithValue((object?)response.Location ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)response.ETag ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task ForgetOwnerAsync(string owner, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_forgetOwner);
        command.Parameters.AddWithValue(owner);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes at most <paramref name="limit"/> responses stored longer than <paramref name="age"/> ago; how many it deleted.</summary>
    public async Task<int> DeleteOlderThanAsync(TimeSpan age, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(_deleteOlderThan);
        command.Parameters.AddWithValue(age);
        command.Parameters.AddWithValue(limit);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
