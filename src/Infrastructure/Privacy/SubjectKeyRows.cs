using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using Npgsql;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// The rows of subjects' keys and their aliases (ADR 0025), as the key store writes them and as
/// the event store writes new ones in the transaction of the events sealed under them.
/// </summary>
public sealed class SubjectKeyRows(EventStoreOptions options)
{
    /// <summary>The constraint an alias that already leads to a key breaks.</summary>
    public const string AliasTaken = "keyed_aliases_pkey";

    /// <summary>The schema of the keys' tables.</summary>
    public string Schema { get; } = $"{options.Schema}_keys";

    public string Keys { get; } = $"{options.Schema}_keys.subject_keys";

    /// <summary>Aliases, stored hashed under <see cref="AliasHashKey"/>, never in clear (ADR 0031).</summary>
    public string Aliases { get; } = $"{options.Schema}_keys.keyed_aliases";

    /// <summary>Aliases that lead to a key besides their own: a record named them with that key's subject.</summary>
    public string Links { get; } = $"{options.Schema}_keys.keyed_alias_links";

    /// <summary>Which of the keys is the alias hash key.</summary>
    public string AliasHashKeyTable { get; } = $"{options.Schema}_keys.alias_hash_key";

    /// <summary>The key-encryption keys in use, by fingerprint: a node must hold each of them (ADR 0030).</summary>
    public string KeyEncryptionKeys { get; } = $"{options.Schema}_keys.key_encryption_keys";

    /// <summary>How the keys' material is stored: wrapped under the key-encryption key, or as it is (ADR 0030).</summary>
    public KeyWrapping Wrapping { get; } = options.KeyWrapping;

    /// <summary>The key aliases are hashed under, read (or made) once a node.</summary>
    public async ValueTask<AliasHashKey> AliasHashKeyAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        options.AliasHashKey ??= await AliasHashKey.LoadOrCreateAsync(dataSource, this, ct);

    public NpgsqlBatchCommand InsertKeys(IReadOnlyCollection<SubjectKey> keys) =>
        new($"INSERT INTO {Keys} (key_id, material, wrapped_by) SELECT *, $3 FROM unnest($1::uuid[], $2::bytea[])")
        {
            Parameters =
            {
                new() { Value = keys.Select(k => k.Id).ToArray() },
                new() { Value = keys.Select(k => Wrapping.Wrap(k.Id, k.Material)).ToArray() },
                new() { Value = (object?)Wrapping.CurrentId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            },
        };

    /// <summary>
    /// The aliases. A taken alias fails the statement, or with <paramref name="leaveTaken"/> stays
    /// with its key and is left out of the hashes returned.
    /// </summary>
    public NpgsqlBatchCommand InsertAliases(IEnumerable<(byte[] Hash, Guid KeyId)> aliases, bool leaveTaken) =>
        InsertByHash(Aliases, aliases, leaveTaken ? " ON CONFLICT (alias_hash) DO NOTHING RETURNING alias_hash" : "");

    public NpgsqlBatchCommand InsertLinks(IEnumerable<(byte[] Hash, Guid KeyId)> links) => InsertByHash(Links, links, " ON CONFLICT DO NOTHING");

    /// <summary>
    /// New keys and all their aliases; the aliases' statement fails if one is taken. Only after
    /// <see cref="AliasHashKeyAsync"/>: appends build their statements where they cannot wait for it.
    /// </summary>
    public NpgsqlBatchCommand[] InsertNew(IReadOnlyCollection<NewSubjectKey> newKeys)
    {
        var aliasHashKey = options.AliasHashKey ?? throw new InvalidOperationException("The alias hash key is not read yet: await AliasHashKeyAsync first.");
        return [InsertKeys([.. newKeys.Select(k => k.Key)]), InsertAliases(newKeys.SelectMany(k => k.Aliases.Select(alias => (aliasHashKey.Hash(alias), k.Key.Id))), leaveTaken: false)];
    }

    /// <summary>Whether the error is an alias already leading to a key.</summary>
    public static bool IsAliasTaken(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: AliasTaken };

    /// <summary>
    /// Rows keyed by alias hash, inserted in the order of their hashes: two writers naming the same
    /// subjects then wait for each other on the unique index rather than deadlock.
    /// </summary>
    private static NpgsqlBatchCommand InsertByHash(string table, IEnumerable<(byte[] Hash, Guid KeyId)> rows, string onConflict)
    {
        var sorted = rows.OrderBy(r => r.Hash, ByteOrder.Instance).ToList();
        return new($"INSERT INTO {table} (alias_hash, key_id) SELECT * FROM unnest($1::bytea[], $2::uuid[]){onConflict}")
        {
            Parameters = { new() { Value = sorted.Select(r => r.Hash).ToArray() }, new() { Value = sorted.Select(r => r.KeyId).ToArray() } },
        };
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
