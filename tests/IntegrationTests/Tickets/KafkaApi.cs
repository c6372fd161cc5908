using Confluent.Kafka;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.IntegrationTests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>
/// The API consuming the seller's three topics (3 partitions each) on librdkafka's mock cluster,
/// a real Kafka-protocol broker on loopback, with a producer that sends records as the seller does.
/// </summary>
public class KafkaApi : EmptyStoreApi
{
    public KafkaMockCluster Cluster { get; private set; } = null!;

    /// <summary>The node's log, for what a failing test says about the consumer.</summary>
    public CapturedLogs Logs { get; } = new();

    public IProducer<string, byte[]> Producer { get; private set; } = null!;

    /// <summary>The consumer group; a second node over the same database joins it.</summary>
    public string GroupId { get; init; } = $"test-{Guid.NewGuid():N}";

    private bool _owner = true;

    /// <summary>Another node over the same database, cluster and consumer group; its owner disposes those.</summary>
    public KafkaApi NextNode() => new() { Database = Database, Cluster = Cluster, Producer = Producer, GroupId = GroupId, _owner = false };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Cluster = KafkaMockCluster.Start();
        foreach (var topic in new[] { "events", "orders", "refunds" })
        {
            Cluster.CreateTopic(topic, partitions: 3);
        }

        Producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Cluster.BootstrapServers, Acks = Acks.All }).Build();
    }

    /// <summary>Sends a record with the contract's headers, keyed by the entity id.</summary>
    public Task<DeliveryResult<string, byte[]>> ProduceAsync(string topic, string key, byte[] body, string contentType = "application/json", string schemaVersion = "1.0") =>
        Producer.ProduceAsync(topic, new Message<string, byte[]>
        {
            Key = key,
            Value = body,
            Headers = new Headers
            {
                { "content-type", System.Text.Encoding.UTF8.GetBytes(contentType) },
                { "schema-version", System.Text.Encoding.UTF8.GetBytes(schemaVersion) },
                { "application-id", "ticketland"u8.ToArray() },
            },
        });

    public override async Task DisposeHostAndDatabaseAsync()
    {
        if (!_owner)
        {
            await DisposeAsync();
            return;
        }

        await base.DisposeHostAndDatabaseAsync();
        Producer.Dispose();
        Cluster.Dispose();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Kafka:Enabled", "true");
        builder.UseSetting("Kafka:BootstrapServers", Cluster.BootstrapServers);
        builder.UseSetting("Kafka:GroupId", GroupId);
        // A node that leaves without a word (a test host stopped mid-poll) holds up a rebalance this long, not 45 s.
        builder.UseSetting("Kafka:SessionTimeoutMs", "6000");
        builder.ConfigureLogging(l => l.AddProvider(Logs));
    }
}
