using EventSourced.Application;
using EventSourced.Application.Deliveries;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Deliveries;

public sealed class DeliveryScheduleQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    /// <summary>Whether schedule row s waits behind an earlier one of its lane, as SQL.</summary>
    private const string Held = "(s.lane IS NOT NULL AND EXISTS (SELECT FROM rm.delivery_schedule earlier WHERE earlier.lane = s.lane AND earlier.lane_position < s.lane_position))";

    /// <summary>
    /// Whether the schedule shows its lanes: on an upgrade from before them, the node that writes the
    /// schedule adds them as it takes it over (AddedSinceBuiltSql), a moment after this node starts.
    /// </summary>
    public async Task<bool> ShowsLanesAsync(CancellationToken ct) =>
        (await dataSource.QueryAsync(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'rm' AND table_name = 'delivery_schedule' AND column_name = 'lane_position'",
            r => r.GetInt64(0), ct))[0] == 1;

    /// <summary>
    /// Deliveries due by <paramref name="now"/>, the longest-waiting first; of those in a lane, only
    /// its first: a later one waits while an earlier one has not ended (sent, failed for good,
    /// cancelled or discarded), retries included.
    /// </summary>
    public Task<IReadOnlyList<DueDelivery>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        dataSource.QueryAsync(
            """
            SELECT message_id, delivery_id, due_at FROM rm.delivery_schedule s
            WHERE due_at <= $1
              AND (lane IS NULL OR NOT EXISTS (
                  SELECT FROM rm.delivery_schedule earlier WHERE earlier.lane = s.lane AND earlier.lane_position < s.lane_position))
            ORDER BY due_at LIMIT $2
            """,
            r => new DueDelivery(r.GetGuid(0), r.GetGuid(1), r.GetFieldValue<DateTimeOffset>(2)), ct, now, limit);

    /// <summary>
    /// Every owner's deliveries not yet ended, and the failed queue, by messenger and where they
    /// stand: due is what the scheduler hands over now (<see cref="DueAsync"/>), held what its lane
    /// keeps back. It reads every waiting delivery: about 2.5 s for a million (ADR 0050).
    /// </summary>
    public Task<DeliveryBacklog> BacklogAsync(DateTimeOffset now, CancellationToken ct) => ReadBacklogAsync(now, "", ct);

    /// <summary>
    /// Only the deliveries due (and held) and those failed, each messenger's: what the gauges read on
    /// every node, by the due-time index, so a reading costs what is due, not what waits for later.
    /// In flight, retrying and scheduled are not read, and show as 0.
    /// </summary>
    public Task<DeliveryBacklog> DueAndFailedAsync(DateTimeOffset now, CancellationToken ct) => ReadBacklogAsync(now, "WHERE s.due_at <= $1", ct);

    private async Task<DeliveryBacklog> ReadBacklogAsync(DateTimeOffset now, string scheduleFilter, CancellationToken ct)
    {
        var rows = await dataSource.QueryAsync(
            $$"""
            WITH pending AS (
                SELECT d.channel, s.due_at,
                       CASE WHEN s.due_at <= $1 THEN CASE WHEN {{Held}} THEN 'held' ELSE 'due' END
                            WHEN s.status = 'sending' THEN 'in_flight'
                            WHEN d.status = 'retrying' THEN 'retrying'
                            ELSE 'scheduled' END AS state
                FROM rm.delivery_schedule s LEFT JOIN rm.messages_deliveries d USING (delivery_id) {{scheduleFilter}}
                UNION ALL
                SELECT channel, NULL, 'failed' FROM rm.messages_deliveries WHERE status = 'failed')
            SELECT GROUPING(channel) = 1, channel,
                   count(*) FILTER (WHERE state = 'due'), min(due_at) FILTER (WHERE state = 'due'), count(*) FILTER (WHERE state = 'held'),
                   count(*) FILTER (WHERE state = 'in_flight'), count(*) FILTER (WHERE state = 'retrying'),
                   count(*) FILTER (WHERE state = 'scheduled'), count(*) FILTER (WHERE state = 'failed')
            FROM pending GROUP BY GROUPING SETS ((channel), ()) ORDER BY 1, 2
            """,
            r => (Total: r.GetBoolean(0), Row: new DeliveryBacklogRow(
                r.IsDBNull(1) ? null : r.GetString(1), (int)r.GetInt64(2), r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3),
                (int)r.GetInt64(4), (int)r.GetInt64(5), (int)r.GetInt64(6), (int)r.GetInt64(7), (int)r.GetInt64(8))),
            ct, now);
        return new DeliveryBacklog(now, rows.Single(r => r.Total).Row, [.. rows.Where(r => !r.Total).Select(r => r.Row)]);
    }

    /// <summary>Deliveries due by <paramref name="now"/> (held ones too), on one messenger or all, the longest-waiting first.</summary>
    public Task<IReadOnlyList<OverdueDelivery>> OverdueAsync(DateTimeOffset now, string? channel, int limit, CancellationToken ct) =>
        dataSource.QueryAsync(
            $"""
            SELECT s.delivery_id, s.message_id, d.owner_id, d.channel, d.contact_name, s.due_at, coalesce(d.attempts, 0), s.status = 'sending', {Held}
            FROM rm.delivery_schedule s LEFT JOIN rm.messages_deliveries d USING (delivery_id)
            WHERE s.due_at <= $1 AND ($2::text IS NULL OR d.channel = $2)
            ORDER BY s.due_at, s.delivery_id LIMIT $3
            """,
            r => new OverdueDelivery(
                r.GetGuid(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetFieldValue<DateTimeOffset>(5), r.GetInt32(6), r.GetBoolean(7), r.GetBoolean(8)),
            ct, now, channel, limit);
}
