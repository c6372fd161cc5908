using System.Diagnostics;
using EventSourced.Application.Deliveries;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Projections;
using EventSourced.Projections.Deliveries;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// What reading the delivery backlog costs (ADR 0050): the operator's full reading, and the
/// gauges' reading of what is due and failed, with many deliveries waiting for later, first with
/// few due (the usual case), then with a share due (an outage). The read models' rows are written
/// directly, as many as a long history would leave: for each waiting delivery two delivered ones,
/// and one failed in twenty. The baseline is a bare count of the schedule, in the same run.
/// </summary>
internal static class BacklogBenchmark
{
    public static async Task RunAsync(string connectionString, NpgsqlDataSource dataSource, PostgresEventStore store, int waiting, int rounds)
    {
        var registry = EventCatalog.Create();
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        await using (new BackgroundProjection(new DeliveryScheduleProjection(new DeliveryOptions()), dataSource, store, registry))
        await using (new BackgroundProjection(new MessagesProjection(), dataSource, store, registry))
        {
            var progress = new ProjectionProgress(dataSource);
            while (!await progress.ServesAsync(DeliveryScheduleProjection.StableName, CancellationToken.None) || !await progress.ServesAsync(MessagesProjection.StableName, CancellationToken.None))
            {
                await Task.Delay(20);
            }
        }

        await FillAsync(dataSource, waiting);
        // As the service reads them: on connections that plan each query for its values.
        await using var queriesSource = EventStoreDataSource.CreateForQueries(connectionString);
        var queries = new DeliveryScheduleQueries(queriesSource);
        Console.WriteLine($"{waiting:N0} deliveries waiting, {2 * waiting:N0} delivered, {waiting / 20:N0} failed; medians of {rounds} rounds");
        Console.WriteLine($"{"due",-12}{"bare count ms",15}{"full ms",10}{"x count",9}{"gauges ms",11}{"x count",9}");
        foreach (var duePercent in new[] { 0.2, 6.0 })
        {
            await DueAsync(dataSource, duePercent);
            var (count, full, gauges) = (new List<double>(), new List<double>(), new List<double>());
            for (var round = 0; round < rounds; round++)
            {
                count.Add(await TimeAsync(() => queriesSource.QueryAsync("SELECT count(*) FROM rm.delivery_schedule", r => r.GetInt64(0), CancellationToken.None)));
                full.Add(await TimeAsync(() => queries.BacklogAsync(DateTimeOffset.UtcNow, CancellationToken.None)));
                gauges.Add(await TimeAsync(() => queries.DueAndFailedAsync(DateTimeOffset.UtcNow, CancellationToken.None)));
            }

            var (c, f, g) = (AppendLoad.Median(count), AppendLoad.Median(full), AppendLoad.Median(gauges));
            Console.WriteLine($"{$"{duePercent}%",-12}{c,15:F1}{f,10:F1}{f / c,9:F2}{g,11:F1}{g / c,9:F2}");
        }
    }

    private static async Task FillAsync(NpgsqlDataSource dataSource, int waiting)
    {
        await ExecuteAsync(dataSource, $"""
            INSERT INTO rm.messages_deliveries (delivery_id, message_id, owner_id, contact_id, contact_name, channel, address, status, attempts, failed_at)
            SELECT gen_random_uuid(), gen_random_uuid(), 'owner-' || (i % 1000), gen_random_uuid(), 'Contact', (ARRAY['telegram', 'whatsapp', 'viber'])[1 + i % 3], 'address',
                   CASE WHEN i <= {waiting} THEN (CASE i % 10 WHEN 0 THEN 'retrying' WHEN 1 THEN 'sending' ELSE 'scheduled' END)
                        WHEN i <= {waiting + (waiting / 20)} THEN 'failed' ELSE 'delivered' END,
                   1, now()
            FROM generate_series(1, {(3 * waiting) + (waiting / 20)}) i;
            INSERT INTO rm.delivery_schedule (delivery_id, message_id, status, due_at)
            SELECT delivery_id, message_id, CASE status WHEN 'sending' THEN 'sending' ELSE 'waiting' END, now() + interval '1 day'
            FROM rm.messages_deliveries WHERE status IN ('scheduled', 'retrying', 'sending');
            """);
    }

    /// <summary>Makes that share of the waiting deliveries due a minute ago, the rest due tomorrow.</summary>
    private static Task DueAsync(NpgsqlDataSource dataSource, double percent) =>
        ExecuteAsync(dataSource, $"""
            UPDATE rm.delivery_schedule SET due_at = CASE WHEN abs(hashtext(delivery_id::text)) % 10000 < {percent * 100} THEN now() - interval '1 minute' ELSE now() + interval '1 day' END;
            VACUUM ANALYZE;
            """);

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var statement in sql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(s => s.Length > 0))
        {
            await using var command = new NpgsqlCommand(statement.TrimEnd(';'), connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<double> TimeAsync(Func<Task> read)
    {
        var watch = Stopwatch.StartNew();
        await read();
        return watch.Elapsed.TotalMilliseconds;
    }
}
