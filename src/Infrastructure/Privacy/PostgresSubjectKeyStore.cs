using System.Security.Cryptography;
using System.Text;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using Npgsql;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>Subjects' keys in PostgreSQL, in a schema beside the event store's (ADR 0025).</summary>
public sealed class PostgresSubjectKeyStore(NpgsqlDataSource dataSource, EventStoreOptions options) : ISubjectKeyStore
{
    /// <summary>How many keys created after a missing one a read brings along.</summary>
    private const int Neighbours = 1000;

    private readonly string _keys = $"{options.Schema}_keys.subject_keys";
    private readonly string _aliases = $"{options.Schema}_keys.subject_aliases";

    /// <summary>The channel a destroyed key's id is announced on, to every node.</summary>
    public string DestroyedChannel { get; } = $"{options.Schema}_subject_key_destroyed";

    public async Task<SubjectKey> GetOrCreateAsync(IReadOnlyList<string> aliases, CancellationToken ct)
    {
        var hashes = aliases.Select(Hash).ToArray();
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var existing = await FindLiveAsync(connection, hashes, ct);
            var key = existing ?? new SubjectKey(Guid.NewGuid(), FieldCipher.NewKey());
            if (existing is null)
            {
                await using var insertKey = new NpgsqlCommand($"INSERT INTO {_keys} (key_id, material) VALUES ($1, $2)", connection, tx);
                insertKey.Parameters.AddWithValue(key.Id);
                insertKey.Parameters.AddWithValue(key.Material);
                await insertKey.ExecuteNonQueryAsync(ct);
            }

            // Aliases another key already has stay with it (a buyer's phone seen first, then with an
            // email). A new key that lost an alias to a concurrent writer is dropped, and the next
            // round finds that writer's key.
            await using var insertAliases = new NpgsqlCommand(
                $"INSERT INTO {_aliases} (alias_hash, key_id) SELECT unnest($1::bytea[]), $2 ON CONFLICT (alias_hash) DO NOTHING", connection, tx);
            insertAliases.Parameters.AddWithValue(hashes);
            insertAliases.Parameters.AddWithValue(key.Id);
            if (await insertAliases.ExecuteNonQueryAsync(ct) < hashes.Length && existing is null)
            {
                await tx.RollbackAsync(ct);
                continue;
            }

            await tx.CommitAsync(ct);
            return key;
        }
    }

    public async Task<IReadOnlyDictionary<Guid, byte[]?>> FindAsync(IReadOnlyCollection<Guid> keyIds, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT key_id, material FROM {_keys} WHERE key_id = ANY($1)
            UNION
            SELECT k.key_id, k.material FROM {_keys} k, (SELECT min(seq) AS first FROM {_keys} WHERE key_id = ANY($1)) f
            WHERE k.seq > f.first AND k.seq <= f.first + {Neighbours}
            """);
        command.Parameters.AddWithValue(keyIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new Dictionary<Guid, byte[]?>();
        while (await reader.ReadAsync(ct))
        {
            keys[reader.GetGuid(0)] = reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1);
        }

        return keys;
    }

    public async Task<Guid?> FindByAliasAsync(string alias, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await FindLiveAsync(connection, [Hash(alias)], ct))?.Id;
    }

    public async Task DestroyAsync(Guid keyId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"UPDATE {_keys} SET material = NULL, destroyed_at = coalesce(destroyed_at, now()) WHERE key_id = $1") { Parameters = { new() { Value = keyId } } },
                new NpgsqlBatchCommand($"DELETE FROM {_aliases} WHERE key_id = $1") { Parameters = { new() { Value = keyId } } },
                // Sent on commit: every node drops the key from memory (SubjectKeyNotifications).
                new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = DestroyedChannel }, new() { Value = keyId.ToString() } } },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task<SubjectKey?> FindLiveAsync(NpgsqlConnection connection, byte[][] hashes, CancellationToken ct)
    {
        // The first alias given that leads to a live key wins (a buyer's email before their phone).
        await using var command = new NpgsqlCommand($"""
            SELECT k.key_id, k.material FROM unnest($1::bytea[]) WITH ORDINALITY AS a(alias_hash, n)
            JOIN {_aliases} s ON s.alias_hash = a.alias_hash JOIN {_keys} k ON k.key_id = s.key_id
            WHERE k.material IS NOT NULL ORDER BY a.n LIMIT 1
            """, connection);
        command.Parameters.AddWithValue(hashes);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new SubjectKey(reader.GetGuid(0), reader.GetFieldValue<byte[]>(1)) : null;
    }

    private static byte[] Hash(string alias) => SHA256.HashData(Encoding.UTF8.GetBytes(alias));
}
