using EventSourced.Application;
using EventSourced.Application.Deliveries;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Deliveries;

public sealed class DeliveryScheduleQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    /// <summary>Deliveries due by <paramref name="now"/>, the longest-waiting first.</summary>
    public Task<IReadOnlyList<DueDelivery>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        dataSource.QueryAsync(
            "SELECT message_id, delivery_id, due_at FROM rm.delivery_schedule WHERE due_at <= $1 ORDER BY due_at LIMIT $2",
            r => new DueDelivery(r.GetGuid(0), r.GetGuid(1), r.GetFieldValue<DateTimeOffset>(2)), ct, now, limit);
}
