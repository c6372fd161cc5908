using EventSourced.Infrastructure.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// The key-encryption keys subjects' keys are wrapped under (ADR 0030). At start-up, before the
/// node serves, it records the current one as in use and refuses to start without every one in
/// use: a node missing one would read its subjects' data as lost. It then reads the alias hash
/// key (ADR 0031). <see cref="RewrapAsync"/> moves every key, the alias hash key too, to the
/// current one, which is how a key-encryption key is rotated.
/// </summary>
public sealed partial class KeyEncryptionKeys(NpgsqlDataSource dataSource, EventStoreOptions options, ILogger<KeyEncryptionKeys> logger) : IHostedService
{
    private const int RewrapBatch = 1000;

    private readonly SubjectKeyRows _rows = new(options);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken);
        // Made here at the first start of this version, with the aliases hashed before it moved under it (ADR 0031).
        if ((await _rows.AliasHashKeyAsync(dataSource, cancellationToken)).Moved is { } moved)
        {
            LogAliasesMoved(logger, moved);
        }
        if (_rows.Wrapping.CurrentId is null)
        {
            LogStoredUnwrapped(logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Records the current key-encryption key as in use; throws <see cref="KeyEncryptionKeyMissingException"/>
    /// when this node lacks one in use. A node refused takes its record back if it made it: it
    /// wraps nothing, and a mistyped or stale key-encryption key must not stop the others' restarts.
    /// Recorded before the check, so that of two nodes starting at once with different ones, the
    /// second sees the first's.
    /// </summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        var recordedHere = _rows.Wrapping.CurrentId is { } current && await RecordAsync(current, ct);
        var missing = (await InUseAsync(ct)).Except(_rows.Wrapping.HeldIds).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (recordedHere)
        {
            await using var takeBack = dataSource.CreateCommand($"DELETE FROM {_rows.KeyEncryptionKeys} WHERE kek_id = $1");
            takeBack.Parameters.AddWithValue(_rows.Wrapping.CurrentId!);
            await takeBack.ExecuteNonQueryAsync(ct);
        }

        throw new KeyEncryptionKeyMissingException(missing, await WrappedUnderAsync(missing, ct));
    }

    /// <summary>
    /// Stops recording a key-encryption key that no live key is wrapped under: one a node started
    /// with and no node runs with any more (a mistyped secret, a trial). Nodes then start without it.
    /// </summary>
    public async Task<RetireResult> RetireAsync(string kekId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH wrapped AS (SELECT count(*) AS keys {LiveKeysUnder("$1")}),
                 retired AS (DELETE FROM {_rows.KeyEncryptionKeys} WHERE kek_id = $1 AND (SELECT keys FROM wrapped) = 0 RETURNING 1)
            SELECT EXISTS (SELECT FROM {_rows.KeyEncryptionKeys} WHERE kek_id = $1), (SELECT keys FROM wrapped)
            """);
        command.Parameters.AddWithValue(kekId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RetireResult(reader.GetBoolean(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Wraps every live key under the current key-encryption key, a batch at a time, then stops
    /// recording the key-encryption keys no live key is wrapped under any more. Safe while nodes
    /// serve: a key destroyed meanwhile is left destroyed. Run it once every node has the new
    /// key-encryption key as its current one, or a node still on the old one keeps using it.
    /// </summary>
    public async Task<RewrapResult> RewrapAsync(CancellationToken ct)
    {
        var current = _rows.Wrapping.CurrentId ?? throw new InvalidOperationException("Set EventStore:KeyEncryptionKey to the key-encryption key to wrap the keys under.");
        await CheckAsync(ct);
        var (rewrapped, unopened, after) = (0, 0, 0L);
        while (true)
        {
            var batch = await NotUnderAsync(current, after, ct);
            if (batch.Count == 0)
            {
                break;
            }

            after = batch[^1].Seq;
            var opened = batch.Select(k => (k.Id, k.Stored, Material: _rows.Wrapping.Unwrap(k.Id, k.Stored, k.WrappedBy))).Where(k => k.Material is not null).ToList();
            unopened += batch.Count - opened.Count;
            await using var update = dataSource.CreateCommand($"""
                UPDATE {_rows.Keys} k SET material = u.wrapped, wrapped_by = $4
                FROM unnest($1::uuid[], $2::bytea[], $3::bytea[]) AS u(key_id, stored, wrapped)
                WHERE k.key_id = u.key_id AND k.material = u.stored
                """);
            update.Parameters.AddWithValue(opened.Select(k => k.Id).ToArray());
            update.Parameters.AddWithValue(opened.Select(k => k.Stored).ToArray());
            update.Parameters.AddWithValue(opened.Select(k => _rows.Wrapping.Wrap(k.Id, k.Material!)).ToArray());
            update.Parameters.AddWithValue(current);
            rewrapped += await update.ExecuteNonQueryAsync(ct);
        }

        await using var retire = dataSource.CreateCommand($"""
            DELETE FROM {_rows.KeyEncryptionKeys} r
            WHERE r.kek_id <> $1 AND NOT EXISTS (SELECT 1 {LiveKeysUnder("r.kek_id")})
            RETURNING r.kek_id
            """);
        retire.Parameters.AddWithValue(current);
        var retired = await FingerprintsAsync(retire, ct);
        return new RewrapResult(current, rewrapped, unopened, retired, [.. (await InUseAsync(ct)).Where(id => id != current)]);
    }

    /// <summary>The fingerprints of the key-encryption keys some key may be wrapped under.</summary>
    public async Task<IReadOnlyList<string>> InUseAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT kek_id FROM {_rows.KeyEncryptionKeys} ORDER BY kek_id");
        return await FingerprintsAsync(command, ct);
    }

    /// <summary>The live keys (not destroyed) wrapped under the key-encryption key <paramref name="kekId"/> (an SQL expression) names.</summary>
    private string LiveKeysUnder(string kekId) => $"FROM {_rows.Keys} WHERE wrapped_by = {kekId} AND material IS NOT NULL";

    /// <summary>Whether this call recorded it: false when it was recorded already.</summary>
    private async Task<bool> RecordAsync(string kekId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"INSERT INTO {_rows.KeyEncryptionKeys} (kek_id) VALUES ($1) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(kekId);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>How many live keys each is wrapped under: read only when a node is refused, as it reads the whole table.</summary>
    private async Task<Dictionary<string, long>> WrappedUnderAsync(List<string> kekIds, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, (SELECT count(*) {LiveKeysUnder("id")}) FROM unnest($1::text[]) AS id
            """);
        command.Parameters.AddWithValue(kekIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private static async Task<List<string>> FingerprintsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private async Task<List<(long Seq, Guid Id, byte[] Stored, string? WrappedBy)>> NotUnderAsync(string current, long after, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT seq, key_id, material, wrapped_by FROM {_rows.Keys}
            WHERE seq > $1 AND material IS NOT NULL AND wrapped_by IS DISTINCT FROM $2
            ORDER BY seq LIMIT {RewrapBatch}
            """);
        command.Parameters.AddWithValue(after);
        command.Parameters.Add(new NpgsqlParameter { Value = current, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<(long, Guid, byte[], string?)>();
        while (await reader.ReadAsync(ct))
        {
            keys.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetFieldValue<byte[]>(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return keys;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Made the alias hash key and moved {Moved} subjects' aliases and links under it (ADR 0031)")]
    private static partial void LogAliasesMoved(ILogger logger, long moved);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subjects' keys are stored unwrapped: a backup of the whole database opens every personal field. Set EventStore:KeyEncryptionKey (ADR 0030)")]
    private static partial void LogStoredUnwrapped(ILogger logger);
}

/// <summary>
/// What <see cref="KeyEncryptionKeys.RewrapAsync"/> did: keys moved under <paramref name="Current"/>,
/// rows that did not open (left as they are), the key-encryption keys no longer in use, and the
/// others still in use (some key under them did not open, or a node still wraps under them).
/// </summary>
public sealed record RewrapResult(string Current, int Rewrapped, int Unopened, IReadOnlyList<string> Retired, IReadOnlyList<string> StillInUse);

/// <summary>What <see cref="KeyEncryptionKeys.RetireAsync"/> found: whether it was recorded, and how many live keys are wrapped under it.</summary>
public sealed record RetireResult(bool Recorded, long WrappedKeys)
{
    /// <summary>Recorded, and no key wrapped under it: no longer recorded now.</summary>
    public bool Retired => Recorded && WrappedKeys == 0;
}
