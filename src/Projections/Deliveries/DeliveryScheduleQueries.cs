using EventSourced.Application;
using EventSourced.Application.Deliveries;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Deliveries;

public sealed class DeliveryScheduleQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
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
}
