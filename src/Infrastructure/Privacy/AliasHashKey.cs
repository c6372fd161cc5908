using System.Security.Cryptography;
using System.Text;
using EventSourced.Application.Privacy;
using Npgsql;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// The secret key subjects' aliases are hashed under (ADR 0031): an alias is stored as
/// HMAC-SHA256 of its SHA-256. SHA-256 alone hides nothing: every phone number can be hashed in
/// minutes, so a copy of the keys' schema would say whose phone numbers and emails it holds. The
/// key is stored as a subject's key is, wrapped under the key-encryption key (ADR 0030), and
/// <c>subjects rewrap-keys</c> moves it with the others.
/// </summary>
public sealed class AliasHashKey
{
    // What aliases were hashed as before this key (ADR 0025); their rows move to keyed tables.
    private const string UnkeyedAliases = "subject_aliases";
    private const string UnkeyedLinks = "subject_alias_links";
    private const int HmacBlockSize = 64;

    private readonly byte[] _key;

    private AliasHashKey(byte[] key, long? moved = null)
    {
        _key = key;
        Moved = moved;
    }

    /// <summary>How many aliases and links this node moved under the key when it made it; null when it found the key made.</summary>
    public long? Moved { get; }

    /// <summary>How the alias is stored and looked up.</summary>
    public byte[] Hash(string alias) => HMACSHA256.HashData(_key, SHA256.HashData(Encoding.UTF8.GetBytes(alias)));

    /// <summary>
    /// The key from the table, or a new one when there is none yet: then, in the same transaction,
    /// the unkeyed aliases' rows move to the keyed tables, hashed under it, and their tables go.
    /// </summary>
    public static async Task<AliasHashKey> LoadOrCreateAsync(NpgsqlDataSource dataSource, SubjectKeyRows rows, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (await FindAsync(connection, rows, ct) is { } found)
        {
            return found;
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        // Nodes that start together take turns: the first makes the key, the others find it.
        await using (var turn = new NpgsqlCommand($"LOCK TABLE {rows.AliasHashKeyTable} IN EXCLUSIVE MODE", connection, tx))
        {
            await turn.ExecuteNonQueryAsync(ct);
        }

        if (await FindAsync(connection, rows, ct) is { } madeMeanwhile)
        {
            await tx.CommitAsync(ct);
            return madeMeanwhile;
        }

        await using (var unkeyed = new NpgsqlCommand($"SELECT to_regclass('{rows.Schema}.{UnkeyedAliases}') IS NOT NULL", connection, tx))
        {
            // Gone: they moved under a key that is lost since. A new one would find no subject again.
            if (await unkeyed.ExecuteScalarAsync(ct) is not true)
            {
                throw new InvalidOperationException(
                    $"The alias hash key is missing from {rows.AliasHashKeyTable} or {rows.Keys}, yet the aliases were hashed under it: restore both from a backup (ADR 0031).");
            }
        }

        var key = SubjectKey.New();
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                rows.InsertKeys([key]),
                new NpgsqlBatchCommand($"INSERT INTO {rows.AliasHashKeyTable} (key_id) VALUES ($1)") { Parameters = { new() { Value = key.Id } } },
            },
        };
        var (lockUnkeyed, moves, dropUnkeyed) = MoveUnkeyed(rows, key.Material);
        batch.BatchCommands.Add(lockUnkeyed);
        moves.ForEach(batch.BatchCommands.Add);
        batch.BatchCommands.Add(dropUnkeyed);

        // Once, and as long as the rows take (1,000,000 aliases: 7 s on a busy 2-core machine):
        // cut off at the usual 30 s, it would roll back and start over at every start.
        batch.Timeout = 0;

        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return new AliasHashKey(key.Material, moves.Sum(m => m.RecordsAffected));
    }

    private static async Task<AliasHashKey?> FindAsync(NpgsqlConnection connection, SubjectKeyRows rows, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT k.key_id, k.material, k.wrapped_by FROM {rows.AliasHashKeyTable} a JOIN {rows.Keys} k ON k.key_id = a.key_id", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var id = reader.GetGuid(0);
        var material = reader.IsDBNull(1)
            ? throw new CryptographicException($"The alias hash key (subject key {id}) was destroyed: no subject can be found by its aliases.")
            : rows.Wrapping.Unwrap(id, reader.GetFieldValue<byte[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return new AliasHashKey(material ?? throw new CryptographicException($"The row of the alias hash key (subject key {id}) does not open: it was altered, or stored unwrapped while EventStore:RefuseUnwrappedKeys is set."));
    }

    /// <summary>
    /// The unkeyed tables' rows into the keyed ones, hashed in the database (one statement a table,
    /// however many rows): HMAC-SHA256 spelled out with PostgreSQL's sha256() and the key's padded
    /// blocks. Locked first, so that no row an earlier node commits meanwhile is dropped with its table.
    /// </summary>
    private static (NpgsqlBatchCommand Lock, List<NpgsqlBatchCommand> Moves, NpgsqlBatchCommand Drop) MoveUnkeyed(SubjectKeyRows rows, byte[] key)
    {
        var (inner, outer) = (new byte[HmacBlockSize], new byte[HmacBlockSize]);
        for (var i = 0; i < HmacBlockSize; i++)
        {
            var k = i < key.Length ? key[i] : (byte)0;
            (inner[i], outer[i]) = ((byte)(k ^ 0x36), (byte)(k ^ 0x5c));
        }

        var (aliases, links) = ($"{rows.Schema}.{UnkeyedAliases}", $"{rows.Schema}.{UnkeyedLinks}");
        var moves = new[] { (From: aliases, Into: rows.Aliases), (From: links, Into: rows.Links) }.Select(table => new NpgsqlBatchCommand(
            $"INSERT INTO {table.Into} (alias_hash, key_id) SELECT sha256($2 || sha256($1 || alias_hash)), key_id FROM {table.From}")
        {
            Parameters = { new() { Value = inner }, new() { Value = outer } },
        }).ToList();
        return (new($"LOCK TABLE {aliases}, {links} IN ACCESS EXCLUSIVE MODE"), moves, new($"DROP TABLE {aliases}, {links}"));
    }
}
