using Npgsql;

namespace EventSourced.Projections.Tickets;

public sealed record ShowRow(string EventId, string Title, string Venue, DateTimeOffset StartsAt, string Status, string Source);

public sealed record TicketRow(string TicketId, string OrderId, string EventId, string Seat, decimal Price, string Status, string OrderStatus);

public sealed record OrderView(string OrderId, string EventId, string Status, IReadOnlyList<TicketRow> Tickets);

public sealed record ParkedCount(string Kind, long Waiting);

/// <summary>Reads the ticket read models (rm.shows, rm.tickets, rm.parked).</summary>
public sealed class TicketQueries(NpgsqlDataSource dataSource)
{
    public async Task<ShowRow?> ShowAsync(string eventId, CancellationToken ct)
    {
        var rows = await dataSource.QueryAsync(
            "SELECT event_id, title, venue, starts_at, status, source FROM rm.shows WHERE event_id = $1",
            r => new ShowRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4), r.GetString(5)), ct, eventId);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<OrderView?> OrderAsync(string orderId, CancellationToken ct)
    {
        var tickets = await TicketsAsync("WHERE order_id = $1 ORDER BY ticket_id", ct, orderId);
        return tickets.Count == 0 ? null : new OrderView(orderId, tickets[0].EventId, tickets[0].OrderStatus, tickets);
    }

    public Task<IReadOnlyList<TicketRow>> TicketsAsync(string? eventId, string? status, int limit, CancellationToken ct) =>
        TicketsAsync("WHERE ($1::text IS NULL OR event_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY event_id, order_id, ticket_id LIMIT $3", ct, eventId, status, limit);

    public Task<IReadOnlyList<ParkedCount>> ParkedAsync(CancellationToken ct) =>
        dataSource.QueryAsync("SELECT kind, count(*) FROM rm.parked WHERE NOT released GROUP BY kind ORDER BY kind", r => new ParkedCount(r.GetString(0), r.GetInt64(1)), ct);

    private Task<IReadOnlyList<TicketRow>> TicketsAsync(string where, CancellationToken ct, params object?[] parameters) =>
        dataSource.QueryAsync(
            $"SELECT ticket_id, order_id, event_id, seat, price, status, order_status FROM rm.tickets {where}",
            r => new TicketRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDecimal(4), r.GetString(5), r.GetString(6)), ct, parameters);
}
