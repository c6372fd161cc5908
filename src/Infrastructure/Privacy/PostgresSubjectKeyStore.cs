using System.Security.Cryptography;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Privacy;
using EventSourced.Infrastructure.EventStore;
using Npgsql;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>Subjects' keys in PostgreSQL, in a schema beside the event store's (ADR 0025).</summary>
public sealed class PostgresSubjectKeyStore(NpgsqlDataSource dataSource, EventStoreOptions options) : ISubjectKeyStore
{
    /// <summary>How many keys created after a missing one a read brings along.</summary>
    private const int Neighbours = 1000;

    private readonly SubjectKeyRows _rows = new(options);

    /// <summary>The channel a destroyed key's id is announced on, to every node.</summary>
    public string DestroyedChannel { get; } = $"{options.Schema}_subject_key_destroyed";

    public async Task<IReadOnlyList<SubjectKey>> GetOrCreateAsync(IReadOnlyList<IReadOnlyList<string>> subjects, CancellationToken ct)
    {
        var aliasHashKey = await _rows.AliasHashKeyAsync(dataSource, ct);
        var hashes = subjects.Select(aliases => aliases.Select(aliasHashKey.Hash).ToArray()).ToList();
        // A node asks only for keys it does not hold, which are mostly new subjects: first try to
        // create them all in one round trip, and look for existing ones only when an alias is taken.
        var existing = new Dictionary<string, SubjectKey>();
        while (true)
        {
            var (keys, created, aliases, links) = Assign(hashes, existing);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            // Aliases another key already has stay with it (a buyer's phone seen first, then with an email).
            await using var batch = new NpgsqlBatch(connection, tx)
            {
                BatchCommands = { _rows.InsertKeys(created), _rows.InsertAliases(aliases.Select(a => (a.Hash, a.KeyId)), leaveTaken: true) },
            };
            if (links.Count > 0)
            {
                batch.BatchCommands.Add(_rows.InsertLinks(links));
            }

            var taken = new HashSet<string>();
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    taken.Add(Convert.ToHexString(reader.GetFieldValue<byte[]>(0)));
                }
            }

            // A new key whose alias is taken (by an existing subject, or a concurrent writer) is
            // dropped; the next round uses the key that alias leads to, or answers it destroyed.
            if (aliases.Any(a => a.New && !taken.Contains(Convert.ToHexString(a.Hash))))
            {
                await tx.RollbackAsync(ct);
                existing = await FindKeysAsync(connection, [.. hashes.SelectMany(h => h)], ct);
                continue;
            }

            await tx.CommitAsync(ct);
            return keys;
        }
    }

    /// <summary>
    /// Each subject's key: the key one of its aliases leads to (the first alias wins: a buyer's
    /// email before their phone; a destroyed one is answered as such), else a new one. A subject
    /// named twice gets one key. An alias that leads to another key is linked to this one too.
    /// </summary>
    private static (SubjectKey[] Keys, List<SubjectKey> Created, List<(byte[] Hash, Guid KeyId, bool New)> Aliases, List<(byte[] Hash, Guid KeyId)> Links) Assign(
        List<byte[][]> hashes, Dictionary<string, SubjectKey> existing)
    {
        var keys = new SubjectKey[hashes.Count];
        var created = new List<SubjectKey>();
        var assigned = new Dictionary<string, (SubjectKey Key, bool New)>();
        var links = new HashSet<(string Hash, Guid KeyId)>();
        for (var i = 0; i < hashes.Count; i++)
        {
            var hex = hashes[i].Select(Convert.ToHexString).ToList();
            var (key, isNew) = hex.Select(h => existing.TryGetValue(h, out var k) ? (k, false) : assigned.TryGetValue(h, out var a) ? a : default).FirstOrDefault(k => k.Item1 is not null);
            if (key is null)
            {
                (key, isNew) = (SubjectKey.New(), true);
                created.Add(key);
            }

            keys[i] = key;
            foreach (var h in hex)
            {
                var other = existing.TryGetValue(h, out var k) ? k : assigned.TryGetValue(h, out var a) ? a.Key : null;
                if (other is not null && other.Id != key.Id)
                {
                    links.Add((h, key.Id));
                }

                assigned.TryAdd(h, (key, isNew));
            }
        }

        return (keys, created, assigned.Select(a => (Convert.FromHexString(a.Key), a.Value.Key.Id, a.Value.New)).ToList(),
            links.Select(l => (Convert.FromHexString(l.Hash), l.KeyId)).ToList());
    }

    public async Task<IReadOnlyDictionary<Guid, byte[]?>> FindAsync(IReadOnlyCollection<Guid> keyIds, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT key_id, material, wrapped_by FROM {_rows.Keys} WHERE key_id = ANY($1)
            UNION
            SELECT k.key_id, k.material, k.wrapped_by FROM {_rows.Keys} k, (SELECT min(seq) AS first FROM {_rows.Keys} WHERE key_id = ANY($1)) f
            WHERE k.seq > f.first AND k.seq <= f.first + {Neighbours}
            """);
        command.Parameters.AddWithValue(keyIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new Dictionary<Guid, byte[]?>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            if (reader.IsDBNull(1))
            {
                keys[id] = null;
            }
            else if (Material(id, reader, 1) is { } material)
            {
                // A row that does not open is left out, as a key never known: its fields read as unreadable.
                keys[id] = material;
            }
        }

        return keys;
    }

    public async Task<IReadOnlyList<Guid>> KeysOfAliasAsync(string alias, CancellationToken ct)
    {
        // Live keys only: a forgotten contact's alias still leads to its destroyed key.
        await using var command = dataSource.CreateCommand($"""
            SELECT a.key_id FROM (
                SELECT key_id FROM {_rows.Aliases} WHERE alias_hash = $1
                UNION
                SELECT key_id FROM {_rows.Links} WHERE alias_hash = $1) a
            JOIN {_rows.Keys} k ON k.key_id = a.key_id
            WHERE k.material IS NOT NULL
            """);
        command.Parameters.AddWithValue((await _rows.AliasHashKeyAsync(dataSource, ct)).Hash(alias));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<Guid>();
        while (await reader.ReadAsync(ct))
        {
            keys.Add(reader.GetGuid(0));
        }

        return keys;
    }

    public async Task DestroyAsync(Guid keyId, SubjectKind kind, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"UPDATE {_rows.Keys} SET material = NULL, destroyed_at = coalesce(destroyed_at, now()) WHERE key_id = $1") { Parameters = { new() { Value = keyId } } },
                new NpgsqlBatchCommand($"DELETE FROM {_rows.Aliases} WHERE key_id = $1 AND NOT $2") { Parameters = { new() { Value = keyId }, new() { Value = kind == SubjectKind.Contact } } },
                new NpgsqlBatchCommand($"DELETE FROM {_rows.Links} WHERE key_id = $1") { Parameters = { new() { Value = keyId } } },
                // Sent on commit: every node drops the key from memory (SubjectKeyNotifications).
                new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = DestroyedChannel }, new() { Value = keyId.ToString() } } },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The key each of these alias hashes leads to, by the hash in hex: <see cref="SubjectKey.Destroyed"/> for a destroyed one.</summary>
    private async Task<Dictionary<string, SubjectKey>> FindKeysAsync(NpgsqlConnection connection, byte[][] hashes, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT s.alias_hash, k.key_id, k.material, k.wrapped_by FROM {_rows.Aliases} s JOIN {_rows.Keys} k ON k.key_id = s.key_id
            WHERE s.alias_hash = ANY($1)
            """, connection);
        command.Parameters.AddWithValue(hashes);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new Dictionary<string, SubjectKey>();
        var byId = new Dictionary<Guid, SubjectKey>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(1);
            if (!byId.TryGetValue(id, out var key) && reader.IsDBNull(2))
            {
                key = byId[id] = SubjectKey.Destroyed(id);
            }
            else if (key is null)
            {
                // Not read as lost: a new key for the alias would be refused (the alias is taken) round after round.
                var material = Material(id, reader, 2) ?? throw new CryptographicException($"The row of subject key {id} does not open: it was altered, or stored unwrapped while EventStore:RefuseUnwrappedKeys is set.");
                key = byId[id] = new SubjectKey(id, material);
            }

            found[Convert.ToHexString(reader.GetFieldValue<byte[]>(0))] = key;
        }

        return found;
    }

    /// <summary>The key material in the column at <paramref name="ordinal"/>, unwrapped (the next column says by what); null when it does not open.</summary>
    private byte[]? Material(Guid keyId, NpgsqlDataReader reader, int ordinal) =>
        _rows.Wrapping.Unwrap(keyId, reader.GetFieldValue<byte[]>(ordinal), reader.IsDBNull(ordinal + 1) ? null : reader.GetString(ordinal + 1));
}
