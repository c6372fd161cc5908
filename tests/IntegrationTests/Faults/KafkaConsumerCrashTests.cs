using Confluent.Kafka;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using static EventSourced.IntegrationTests.Tickets.SellerRecords;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// The consumer killed (kill -9) after it appended a poll's events but before their offsets were
/// committed: the next node gets the same records again and appends nothing twice, though one of
/// them, an order's older content, differs from what the order holds now.
/// </summary>
public sealed class KafkaConsumerCrashTests
{
    private const short OffsetCommit = 8;

    [Fact]
    public async Task A_consumer_killed_between_append_and_commit_restarts_with_no_duplicate()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var cluster = KafkaMockCluster.Start();
        foreach (var topic in new[] { "events", "orders", "refunds" })
        {
            cluster.CreateTopic(topic, partitions: 1);
        }

        var ids = Ids.New();
        var group = $"crash-{Guid.NewGuid():N}";
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            await producer.ProduceAsync("events", Record(ids.Show, Show(ids.Show)));
            await producer.ProduceAsync("orders", Record(ids.Order, Order(ids)));
            await producer.ProduceAsync("orders", Record(ids.Order, Order(ids, customer: """{"email":null,"phone":"+79005555555"}""")));
        }

        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:EventStore"] = database.ConnectionString,
            ["Kafka:Enabled"] = "true",
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Kafka:GroupId"] = group,
            // The killed member's partitions go to the next one after this, not after 45 s.
            ["Kafka:SessionTimeoutMs"] = "6000",
        };
        await using var node = await EventStoreNode.StartAsync(database.ConnectionString);

        // Every commit fails while the first process runs, so none of its offsets are kept.
        cluster.FailNextRequests(OffsetCommit, [.. Enumerable.Repeat(ErrorCode.InvalidCommitOffsetSize, 10_000)]);
        await using (var first = await ApiProcess.StartAsync(settings, []))
        {
            await Eventually.HoldsAsync(async () => await CountAsync(node, $"order-{ids.Order}") == 2, "both order records to be appended");
            await first.KillAsync();
        }

        cluster.ClearRequestErrors(OffsetCommit);
        (await CommittedAsync(cluster, group)).Should().Be(Offset.Unset, "the first process committed nothing");

        await using (await ApiProcess.StartAsync(settings, []))
        {
            await Eventually.HoldsAsync(async () => (await CommittedAsync(cluster, group)).Value == 2, "the second process to commit past both orders");
        }

        (await CountAsync(node, $"order-{ids.Order}")).Should().Be(2, "the first order record, older than the order's content now, appended nothing again");
        (await CountAsync(node, $"ticketevent-{ids.Show}")).Should().Be(1);
    }

    private static Message<string, byte[]> Record(string key, byte[] body) => new()
    {
        Key = key,
        Value = body,
        Headers = new Headers { { "content-type", "application/json"u8.ToArray() }, { "schema-version", "1.0"u8.ToArray() }, { "application-id", "ticketland"u8.ToArray() } },
    };

    private static Task<long> CountAsync(EventStoreNode node, string stream) => node.ScalarAsync($"SELECT count(*) FROM es.events WHERE stream_id = '{stream}'");

    private static Task<Offset> CommittedAsync(KafkaMockCluster cluster, string group) => Task.Run(() =>
    {
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = group }).Build();
        return reader.Committed([new TopicPartition("orders", 0)], TimeSpan.FromSeconds(10)).Single().Offset;
    });
}
