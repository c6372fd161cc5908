using EventSourced.Infrastructure.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The deliveries messengers accepted, by delivery id, with the message id they gave. The saga
/// records an outcome only when the sender's answer reaches it; this record is made the moment
/// the messenger answers, so a send handed out again (its bus message redelivered, or its attempt
/// counted lost) is answered from here instead of being made twice: the messengers keep no
/// idempotency key, and a second send is a second message to the person.
/// </summary>
public sealed class DeliverySends(NpgsqlDataSource dataSource, EventStoreOptions options)
{
    private readonly string _find = $"SELECT delivery_id, provider_message_id FROM {options.Schema}.delivery_sends WHERE delivery_id = ANY($1)";
    private readonly string _record = $"""
        INSERT INTO {options.Schema}.delivery_sends (delivery_id, provider_message_id)
        SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT (delivery_id) DO NOTHING
        """;
    // Rows another node is deleting are skipped, not waited for.
    private readonly string _deleteOlderThan = $"""
        DELETE FROM {options.Schema}.delivery_sends WHERE ctid IN (
            SELECT ctid FROM {options.Schema}.delivery_sends WHERE sent_at < now() - $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
        """;

    /// <summary>What a step that needs no look-up finds: shared, never written to.</summary>
    public static readonly IReadOnlyDictionary<Guid, string?> NoneAccepted = new Dictionary<Guid, string?>();

    /// <summary>Those of the deliveries a messenger has accepted, each with the message id it gave (null if none).</summary>
    public async Task<IReadOnlyDictionary<Guid, string?>> AcceptedAsync(IReadOnlyList<Guid> deliveryIds, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(_find);
        command.Parameters.AddWithValue(deliveryIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var accepted = new Dictionary<Guid, string?>();
        while (await reader.ReadAsync(ct))
        {
            accepted[reader.GetGuid(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return accepted;
    }

    /// <summary>
    /// Records the deliveries as accepted. The commit does not wait for the disk: a record is a
    /// safety net for an outcome lost on its way to the saga, and a flush of its own for every
    /// step cost `-- deliveries` about 12% of its rate (4% without). A database crash in the same
    /// moment as a lost outcome would lose it.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<(Guid DeliveryId, string? ProviderMessageId)> accepted, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO off"));
        var insert = new NpgsqlBatchCommand(_record);
        insert.Parameters.AddWithValue(accepted.Select(a => a.DeliveryId).ToArray());
        insert.Parameters.Add(new NpgsqlParameter { Value = accepted.Select(a => a.ProviderMessageId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes at most <paramref name="limit"/> records older than <paramref name="age"/>; how many it deleted.</summary>
    public async Task<int> DeleteOlderThanAsync(TimeSpan age, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(_deleteOlderThan);
        command.Parameters.AddWithValue(age);
        command.Parameters.AddWithValue(limit);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
