using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.IntegrationTests.Support;
using Google.Protobuf;
using Npgsql;
using Proto = EventSourced.Infrastructure.Tickets.Protos;

namespace EventSourced.Benchmarks;

/// <summary>
/// The seller's topics on librdkafka's mock cluster (in this process), consumed by the API as a
/// real process. Two figures, each against a raw consume-and-commit of the same records in the
/// same run (a consumer in this process that commits each poll and does nothing else):
/// - throughput: N mixed records (shows, orders in JSON and protobuf, refunds) produced as fast as
///   the cluster takes them, timed from the first produce to the last offset committed, which the
///   node does only after the record's events are appended. Goal: >= 5,000 records/s.
/// - lag: records produced at 1,000/s (an open loop), each timed from when it was due to when its
///   offset is seen committed (sampled every 20 ms). Goal: p99 <= 1 s.
/// After the throughput run it also prints how far the tickets read model was behind the store:
/// the projections share the machine with the ingest, and a figure that they fell behind buys
/// would not be one.
/// </summary>
internal static class KafkaBenchmark
{
    private const int Partitions = 3;
    private const int Window = 12_000;
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(20);

    public static async Task RunAsync(string connectionString, int total, int lagSeconds = 20)
    {
        using var cluster = KafkaMockCluster.Start();
        foreach (var topic in Sides.SelectMany(s => s.Topics))
        {
            cluster.CreateTopic(topic, Partitions);
        }

        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:EventStore"] = connectionString,
            ["Kafka:Enabled"] = "true",
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Kafka:GroupId"] = Ours.Group,
        }, []);
        using var raw = RawConsumer.Start(cluster.BootstrapServers, Raw);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All, LingerMs = 5 }).Build();

        var records = new SellerStream();
        // Warm-up (JIT, pools, the group's first join) on both sides, then the measured run.
        var warmUp = records.Take(2_000);
        await ThroughputAsync(cluster, producer, Raw, warmUp);
        await ThroughputAsync(cluster, producer, Ours, warmUp);
        var batch = records.Take(total);
        var (rawRate, rawCpu) = await ThroughputAsync(cluster, producer, Raw, batch);
        var (ourRate, ourCpu) = await ThroughputAsync(cluster, producer, Ours, batch);
        var projected = await TicketsProjectedAsync(connectionString);
        var applied = await CountAsync(connectionString, "SELECT count(DISTINCT stream_id) FROM es.events WHERE stream_id LIKE 'order-ord-%'");
        var missing = warmUp.Concat(batch).Count(r => r.Kind == 1) - applied;
        Console.WriteLine($"Kafka ingest, {total:N0} mixed records ({batch.Count(r => r.Kind == 0):N0} shows, {batch.Count(r => r.Kind == 1):N0} orders, {batch.Count(r => r.Kind == 2):N0} refunds), {Partitions} partitions a topic:");
        Console.WriteLine($"  raw consume-and-commit   {rawRate,10:N0} records/s");
        Console.WriteLine($"  produce to appended      {ourRate,10:N0} records/s  = {ourRate / rawRate:F2} x raw  (goal >= 5,000/s: {(ourRate >= 5_000 ? "met" : "NOT met")}); orders missing from the store: {missing}");
        Console.WriteLine($"  machine CPU per record: {ourCpu:F0} us (raw {rawCpu:F0} us); on {Environment.ProcessorCount} cores that allows {Environment.ProcessorCount * 1e6 / ourCpu:N0} records/s");
        Console.WriteLine($"  the tickets read model had every order and refund {projected.TotalSeconds:F1} s after the last was appended");

        var rawLag = await LagAsync(cluster, producer, Raw, records, lagSeconds);
        var ourLag = await LagAsync(cluster, producer, Ours, records, lagSeconds);
        Console.WriteLine($"  lag at 1,000 records/s for {lagSeconds} s: p50 {ourLag.P50,6:F0} ms  p99 {ourLag.P99,6:F0} ms  (raw p50 {rawLag.P50:F0} ms, p99 {rawLag.P99:F0} ms; p99 {ourLag.P99 / Math.Max(1, rawLag.P99):F1} x raw)  goal p99 <= 1,000 ms: {(ourLag.P99 <= 1_000 ? "met" : "NOT met")}");
    }

    private static readonly Side Ours = new("eventsourced-bench", ["events", "orders", "refunds"]);
    private static readonly Side Raw = new("raw-bench", ["raw-events", "raw-orders", "raw-refunds"]);
    private static readonly Side[] Sides = [Ours, Raw];

    /// <summary>A consumer group and its three topics (events, orders, refunds).</summary>
    private sealed record Side(string Group, string[] Topics);

    /// <summary>
    /// Produces the records as fast as the cluster takes them: records/s from the first produce to
    /// the last offset committed, and the machine's busy CPU microseconds a record meanwhile.
    /// </summary>
    private static async Task<(double Rate, double CpuMicroseconds)> ThroughputAsync(KafkaMockCluster cluster, IProducer<string, byte[]> producer, Side side, IReadOnlyList<SellerRecord> records)
    {
        var clock = Stopwatch.StartNew();
        var busy = MachineCpu.BusySeconds();
        var ends = new Dictionary<TopicPartition, long>();
        using var committed = new CommittedOffsets(cluster.BootstrapServers, side);
        var sent = 0;
        foreach (var record in records)
        {
            // The mock keeps only 5 MB a partition: a producer far ahead of the consumer would see
            // its records dropped unread, so it stays within a window of the committed offsets.
            if (++sent % 1_000 == 0)
            {
                while (sent - committed.SinceStart() > Window)
                {
                    await Task.Delay(Sample);
                }
            }

            var (topic, message) = record.ToMessage(side);
            producer.Produce(topic, message, report =>
            {
                if (report.Error.IsError)
                {
                    throw new InvalidOperationException($"The mock cluster refused a record: {report.Error.Reason}");
                }

                lock (ends)
                {
                    ends[report.TopicPartition] = Math.Max(ends.GetValueOrDefault(report.TopicPartition), report.Offset.Value + 1);
                }
            });
        }

        producer.Flush();
        while (!committed.Reached(ends))
        {
            await Task.Delay(Sample);
        }

        return (records.Count / clock.Elapsed.TotalSeconds, MachineCpu.MicrosecondsEach(busy, records.Count));
    }

    /// <summary>Records at 1,000/s, each timed from when it was due to when its offset is seen committed, watched while they are sent.</summary>
    private static async Task<(double P50, double P99)> LagAsync(KafkaMockCluster cluster, IProducer<string, byte[]> producer, Side side, SellerStream records, int seconds)
    {
        const int PerSecond = 1_000;
        var total = PerSecond * seconds;
        var batch = records.Take(total);
        var due = new Dictionary<TopicPartitionOffset, TimeSpan>();
        var lags = new List<double>();
        var clock = Stopwatch.StartNew();
        var watching = Task.Run(async () =>
        {
            using var committed = new CommittedOffsets(cluster.BootstrapServers, side);
            while (lags.Count < total)
            {
                var offsets = committed.Read();
                var seen = clock.Elapsed;
                lock (due)
                {
                    foreach (var (record, at) in due.Where(d => offsets.GetValueOrDefault(d.Key.TopicPartition, -1) > d.Key.Offset.Value).ToList())
                    {
                        lags.Add((seen - at).TotalMilliseconds);
                        due.Remove(record);
                    }
                }

                await Task.Delay(Sample);
            }
        });

        for (var i = 0; i < total; i++)
        {
            // An open loop: each record is due at its slot, and its lag counts from then, however late it was sent.
            var at = TimeSpan.FromSeconds((double)i / PerSecond);
            // The clock read once: read again for the delay, it may have passed the slot meanwhile
            // (a busy machine), and a negative delay throws.
            if (at - clock.Elapsed is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait);
            }

            var (topic, message) = batch[i].ToMessage(side);
            producer.Produce(topic, message, report =>
            {
                lock (due)
                {
                    due[report.TopicPartitionOffset] = at;
                }
            });
        }

        producer.Flush();
        await watching;
        lags.Sort();
        return (lags[lags.Count / 2], lags[(int)(lags.Count * 0.99)]);
    }

    /// <summary>How long after the last append the tickets projection has applied every order and refund appended.</summary>
    private static async Task<TimeSpan> TicketsProjectedAsync(string connectionString)
    {
        var clock = Stopwatch.StartNew();
        var last = await CountAsync(connectionString, "SELECT max(position) FROM es.events WHERE event_type IN ('order_recorded', 'refund_recorded')");
        while (await CountAsync(connectionString, "SELECT coalesce(max(position), 0) FROM proj.checkpoints WHERE projection = 'tickets' AND active") < last)
        {
            await Task.Delay(Sample);
        }

        return clock.Elapsed;
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return (long)(await new NpgsqlCommand(sql, connection).ExecuteScalarAsync())!;
    }

    /// <summary>A group's committed offsets, read as any client may (an OffsetFetch, without joining the group).</summary>
    private sealed class CommittedOffsets : IDisposable
    {
        private readonly IConsumer<Ignore, Ignore> _reader;
        private readonly List<TopicPartition> _partitions;
        private readonly long _start;

        public CommittedOffsets(string bootstrap, Side side)
        {
            _reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = side.Group }).Build();
            _partitions = [.. side.Topics.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(t, p)))];
            _start = Sum();
        }

        /// <summary>Records committed on all the side's partitions since this reader was made.</summary>
        public long SinceStart() => Sum() - _start;

        private long Sum() => Read().Values.Where(o => o > 0).Sum();

        public Dictionary<TopicPartition, long> Read() =>
            _reader.Committed(_partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);

        public bool Reached(Dictionary<TopicPartition, long> ends)
        {
            var offsets = Read();
            return ends.All(e => offsets.GetValueOrDefault(e.Key, -1) >= e.Value);
        }

        public void Dispose() => _reader.Dispose();
    }

    /// <summary>The baseline: consumes and commits each poll of up to 500 records, as our consumer does, and does nothing with them.</summary>
    private sealed class RawConsumer : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        private RawConsumer(string bootstrap, Side side)
        {
            _thread = new Thread(() =>
            {
                using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
                {
                    BootstrapServers = bootstrap, GroupId = side.Group, EnableAutoCommit = false, EnableAutoOffsetStore = false, AutoOffsetReset = AutoOffsetReset.Earliest,
                }).Build();
                consumer.Subscribe(side.Topics);
                var offsets = new Dictionary<TopicPartition, TopicPartitionOffset>();
                while (!_stop.IsCancellationRequested)
                {
                    for (var wait = TimeSpan.FromMilliseconds(100); offsets.Count < 500 && consumer.Consume(wait) is { IsPartitionEOF: false } record; wait = TimeSpan.Zero)
                    {
                        offsets[record.TopicPartition] = new TopicPartitionOffset(record.TopicPartition, record.Offset + 1);
                    }

                    if (offsets.Count > 0)
                    {
                        consumer.Commit(offsets.Values);
                        offsets.Clear();
                    }
                }

                consumer.Close();
            }) { IsBackground = true };
            _thread.Start();
        }

        public static RawConsumer Start(string bootstrap, Side side) => new(bootstrap, side);

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
        }
    }

    /// <summary>One of the seller's records: 0 show, 1 order, 2 refund.</summary>
    private sealed record SellerRecord(int Kind, string Key, byte[] Body, bool Protobuf)
    {
        public (string Topic, Message<string, byte[]> Message) ToMessage(Side side) => (side.Topics[Kind], new Message<string, byte[]>
        {
            Key = Key,
            Value = Body,
            Headers = new Headers
            {
                { "content-type", Encoding.UTF8.GetBytes(Protobuf ? "application/x-protobuf" : "application/json") },
                { "schema-version", "1.0"u8.ToArray() },
                { "application-id", "ticketland"u8.ToArray() },
            },
        });
    }

    /// <summary>
    /// The seller's traffic: about 1 show in 20 records, 16 orders (one in four protobuf) of two
    /// tickets for a show announced some shows earlier, 3 refunds of a ticket of an order
    /// sent at least 1,000 records earlier. Orders come from 10,000 buyers, each with their own
    /// email and phone. Fresh ids on every call.
    /// </summary>
    private sealed class SellerStream
    {
        private const int Buyers = 10_000;
        private readonly Random _random = new(42);
        private readonly List<string> _shows = [];
        // The tickets sold, with who bought them: a refund names the order's buyer.
        private readonly List<(string Ticket, int Buyer)> _tickets = [];
        private int _sequence;

        public List<SellerRecord> Take(int count)
        {
            var records = new List<SellerRecord>(count);
            for (var i = 0; i < count; i++)
            {
                var n = ++_sequence;
                var roll = _random.Next(20);
                records.Add(_shows.Count < 100 || roll == 0 ? Show(n) : roll <= 3 && _tickets.Count > 2_000 ? Refund(n) : Order(n));
            }

            return records;
        }

        private SellerRecord Show(int n)
        {
            var id = $"ev-{n}";
            _shows.Add(id);
            return new SellerRecord(0, id, Encoding.UTF8.GetBytes($$"""
                {"id":"{{id}}","name":"Show {{n}}","status":"active","category":"concert","start_at":1798732800,"finish_at":1798743600,"offset":3,
                 "organizer":{"id":"org-1","name":"Bolshoi"},"venue":{"id":"v-1","name":"Historic Stage","city_name":"Moscow"} }
                """), Protobuf: false);
        }

        private SellerRecord Order(int n)
        {
            var id = $"ord-{n}";
            var show = _shows[_random.Next(Math.Max(1, _shows.Count - 5))];
            // Buyers come back: the first order of each makes the buyer's key, the others find it in memory.
            var buyer = _random.Next(Buyers);
            _tickets.Add(($"tk-{n}-1", buyer));
            _tickets.Add(($"tk-{n}-2", buyer));
            if (n % 4 == 0)
            {
                var order = new Proto.Order { Id = id, EventId = show, OrganizerId = "org-1", Customer = new Proto.Customer { Email = Email(buyer), Phone = Phone(buyer), Name = "Anna Petrova" } };
                order.Tickets.Add(new Proto.Ticket { Id = $"tk-{n}-1", Barcode = $"46{n:D11}", Row = "5", Seat = "12", Category = "parterre", PriceNominal = 450000, Currency = Proto.Currency.Rub });
                order.Tickets.Add(new Proto.Ticket { Id = $"tk-{n}-2", Barcode = $"47{n:D11}", Row = "5", Seat = "13", Category = "parterre", PriceNominal = 450000, Currency = Proto.Currency.Rub });
                return new SellerRecord(1, id, order.ToByteArray(), Protobuf: true);
            }

            return new SellerRecord(1, id, Encoding.UTF8.GetBytes($$"""
                {"id":"{{id}}","number":"A-{{n}}","customer":{"email":"{{Email(buyer)}}","phone":"{{Phone(buyer)}}","first_name":"Anna","last_name":"Petrova"},
                 "tickets":[{"id":"tk-{{n}}-1","event_id":"{{show}}","barcode":"46{{n:D11}}","row":"5","seat":"12","category":"parterre","price_nominal":450000,"currency":"RUB"},
                            {"id":"tk-{{n}}-2","event_id":"{{show}}","barcode":"47{{n:D11}}","row":"5","seat":"13","category":"parterre","price_nominal":450000,"currency":"RUB"}],
                 "meta":{"events":[{"id":"{{show}}","price_min":450000,"currency":"RUB","tickets_available":{{_random.Next(1000)}}}]} }
                """), Protobuf: false);
        }

        private SellerRecord Refund(int n)
        {
            // A ticket of an order well behind: refunds of orders still in flight would wait for them.
            var (ticket, buyer) = _tickets[_random.Next(_tickets.Count - 2_000)];
            return new SellerRecord(2, $"ref-{n}", Encoding.UTF8.GetBytes($$"""
                {"customer":{"email":"{{Email(buyer)}}","phone":"{{Phone(buyer)}}"},"ticket_ids":["{{ticket}}"]}
                """), Protobuf: false);
        }

        private static string Email(int buyer) => $"buyer{buyer}@example.com";

        private static string Phone(int buyer) => $"+7900{buyer:D7}";
    }
}
