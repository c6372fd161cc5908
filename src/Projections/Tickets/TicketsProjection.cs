using EventSourced.Application.EventStore;
using EventSourced.Domain.Tickets;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Tickets;

/// <summary>
/// One row per ticket of every order, as the seller last reported it, sold or refunded; and the
/// refunds, by ticket (rm.tickets_refunds), so that a refund that came before its order marks the
/// tickets the moment the order arrives; and each show's availability and minimum price as the
/// latest order reported them (rm.tickets_availability), read with the show. No buyer data is
/// kept here: it stays in the events.
/// </summary>
public sealed class TicketsProjection : IProjection
{
    public const string Sold = "sold";
    public const string Refunded = "refunded";

    public static readonly IReadOnlyList<string> Statuses = [Sold, Refunded];

    private const string TicketColumns = """
        ticket_id text, order_id text, order_number text, event_id text, barcode text, number text, series text, "row" text, seat text,
        category text, price_nominal bigint, currency text
        """;

    public string Name => "tickets";

    // 4: indexes in the listing's order (TicketQueries.TicketsAsync).
    public int Version => 4;

    public EventFilter Filter { get; } = EventFilter.ForTypes("order_recorded", "refund_recorded").Sealed();

    public IReadOnlyList<string> MoreTables => ["_refunds", "_availability"];

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            ticket_id     text    PRIMARY KEY,
            order_id      text    NOT NULL,
            order_number  text,
            event_id      text    NOT NULL,
            barcode       text    NOT NULL,
            number        text,
            series        text,
            "row"         text,
            seat          text,
            category      text    NOT NULL,
            price_nominal bigint,
            currency      text,
            status        text    NOT NULL);
        CREATE INDEX ON {table} (order_id);
        CREATE TABLE {table}_refunds (
            refund_id  text NOT NULL,
            ticket_id  text NOT NULL,
            PRIMARY KEY (refund_id, ticket_id));
        CREATE INDEX ON {table}_refunds (ticket_id);
        CREATE TABLE {table}_availability (
            event_id          text    PRIMARY KEY,
            price_min         bigint  NOT NULL,
            currency          text    NOT NULL,
            tickets_available integer NOT NULL);
        """;

    // In the order tickets are listed and paged, of one show, and of one show by status.
    public string ServingIndexesSql(string table) => $"""
        CREATE INDEX ON {table} (event_id, order_id, ticket_id);
        CREATE INDEX ON {table} (event_id, status, order_id, ticket_id);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        switch (@event)
        {
            // An order is reported whole: its tickets are replaced, refunded where a refund names them.
            // Its first report (the first event of its stream) has none to replace.
            case OrderRecorded { Order: var o }:
                if (recorded.StreamVersion > 0)
                {
                    write.Execute($"DELETE FROM {write.Table} WHERE order_id = $1", o.OrderId);
                }

                // Gathered with the other orders' tickets and availability up to the next refund
                // or re-reported order: one statement each for all of them, not one a row.
                foreach (var t in o.Tickets)
                {
                    write.Row($"""
                        INSERT INTO {write.Table} (ticket_id, order_id, order_number, event_id, barcode, number, series, "row", seat, category, price_nominal, currency, status)
                        SELECT r.*, CASE WHEN EXISTS (SELECT FROM {write.Table}_refunds f WHERE f.ticket_id = r.ticket_id) THEN '{Refunded}' ELSE '{Sold}' END
                        FROM rows r
                        ON CONFLICT (ticket_id) DO UPDATE SET order_id = excluded.order_id, order_number = excluded.order_number, event_id = excluded.event_id,
                            barcode = excluded.barcode, number = excluded.number, series = excluded.series, "row" = excluded."row", seat = excluded.seat,
                            category = excluded.category, price_nominal = excluded.price_nominal, currency = excluded.currency, status = excluded.status
                        """,
                        TicketColumns, t.TicketId, o.OrderId, o.Number, t.EventId, t.Barcode, t.Number, t.Series, t.Row, t.Seat, t.Category, t.PriceNominal, t.Currency);
                }

                foreach (var a in o.Availability)
                {
                    write.Row($"""
                        INSERT INTO {write.Table}_availability (event_id, price_min, currency, tickets_available) SELECT * FROM rows
                        ON CONFLICT (event_id) DO UPDATE SET price_min = excluded.price_min, currency = excluded.currency, tickets_available = excluded.tickets_available
                        """, "event_id text, price_min bigint, currency text, tickets_available integer", a.EventId, a.PriceMin, a.Currency, a.TicketsAvailable);
                }

                break;
            // A refund reported again with other tickets replaces its earlier list.
            case RefundRecorded { Refund: var r }:
                write.Execute($"""
                    WITH earlier AS (DELETE FROM {write.Table}_refunds WHERE refund_id = $1 RETURNING ticket_id)
                    UPDATE {write.Table} t SET status = '{Sold}' WHERE t.ticket_id IN (SELECT ticket_id FROM earlier) AND NOT t.ticket_id = ANY($2::text[])
                        AND NOT EXISTS (SELECT FROM {write.Table}_refunds o WHERE o.ticket_id = t.ticket_id AND o.refund_id <> $1)
                    """, r.RefundId, r.TicketIds.ToArray());
                write.Execute($"INSERT INTO {write.Table}_refunds (refund_id, ticket_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", r.RefundId, r.TicketIds.ToArray());
                write.Execute($"UPDATE {write.Table} SET status = '{Refunded}' WHERE ticket_id = ANY($1::text[])", (object)r.TicketIds.ToArray());
                break;
        }
    }
}
