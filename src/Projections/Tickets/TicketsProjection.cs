using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Tickets;

/// <summary>One row per ticket of every order, with its order and show, as the seller last reported it.</summary>
public sealed class TicketsProjection : IProjection
{
    public string Name => "tickets";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("order");

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            ticket_id     text    NOT NULL,
            order_id      text    NOT NULL,
            event_id      text    NOT NULL,
            seat          text    NOT NULL,
            price         numeric NOT NULL,
            status        text    NOT NULL,
            order_status  text    NOT NULL,
            PRIMARY KEY (order_id, ticket_id));
        CREATE INDEX ON {table} (event_id, status);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        switch (@event)
        {
            // An order is reported whole: replace its tickets.
            case OrderRecorded e:
                write.Execute($"DELETE FROM {write.Table} WHERE order_id = $1", e.OrderId);
                foreach (var t in e.Tickets)
                {
                    write.Execute(
                        $"INSERT INTO {write.Table} (ticket_id, order_id, event_id, seat, price, status, order_status) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        t.TicketId, e.OrderId, e.EventId, t.Seat, t.Price, t.Status, e.Status);
                }

                break;
            case RefundApplied e when TicketOrder.MarksRefunded(e.Status):
                write.Execute($"UPDATE {write.Table} SET status = $3 WHERE order_id = $1 AND ticket_id = ANY($2)", e.OrderId, e.TicketIds.ToArray(), TicketOrder.Refunded);
                break;
        }
    }
}
