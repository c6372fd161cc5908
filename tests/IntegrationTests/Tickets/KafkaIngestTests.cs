using System.Net;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using static EventSourced.IntegrationTests.Tickets.SellerRecords;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>The seller's records consumed from Kafka (librdkafka's mock cluster) into the same read models as the HTTP ingest.</summary>
public sealed class KafkaIngestTests(KafkaApi api) : IClassFixture<KafkaApi>
{
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task The_sellers_records_in_both_encodings_and_out_of_order_end_in_the_read_models()
    {
        var ids = Ids.New();

        await api.ProduceAsync("refunds", ids.Refund, RefundProto(ids), "application/x-protobuf");
        await api.ProduceAsync("orders", ids.Order, OrderProto(ids), "application/x-protobuf");
        await api.ProduceAsync("events", ids.Show, Show(ids.Show));

        await Eventually.HoldsAsync(async () => await StatusesAsync(ids.Order) is ["refunded", "sold"], "the order with its refunded ticket");
        var show = await (await _ops.GetAsync($"/api/ticket-events/{ids.Show}")).JsonAsync(HttpStatusCode.OK);
        show.GetProperty("startAt").GetString().Should().Be("2026-12-31T19:00:00+03:00");
    }

    [Fact]
    public async Task A_record_delivered_again_appends_nothing()
    {
        var ids = Ids.New();
        await api.ProduceAsync("events", ids.Show, Show(ids.Show));
        await api.ProduceAsync("orders", ids.Order, Order(ids));
        await api.ProduceAsync("orders", ids.Order, Order(ids));
        await api.ProduceAsync("refunds", ids.Refund, Refund(ids));

        await Eventually.HoldsAsync(async () => await StatusesAsync(ids.Order) is ["refunded", "sold"], "the order with its refunded ticket");

        (await api.StreamAsync($"order-{ids.Order}")).Should().ContainSingle();
        (await api.StreamAsync($"ticketevent-{ids.Show}")).Should().ContainSingle();
    }

    [Fact]
    public async Task A_poison_record_is_kept_as_a_dead_letter_while_its_partition_goes_on()
    {
        var ids = Ids.New();
        await api.ProduceAsync("events", ids.Show, Show(ids.Show));
        // Same key, same partition: the bad record comes first.
        var poison = await api.ProduceAsync("orders", ids.Order, Order(ids), schemaVersion: "2.0");
        await api.ProduceAsync("orders", ids.Order, Order(ids));

        await Eventually.HoldsAsync(async () => await StatusesAsync(ids.Order) is ["sold", "sold"], "the good order after the poison one");
        var letters = await (await _ops.GetAsync("/api/ingest/dead-letters?limit=1000")).JsonAsync(HttpStatusCode.OK);
        var letter = letters.EnumerateArray().Single(l => l.GetProperty("key").GetString() == ids.Order);
        (letter.GetProperty("topic").GetString(), letter.GetProperty("partition").GetInt32(), letter.GetProperty("offset").GetInt64())
            .Should().Be(("orders", poison.Partition.Value, poison.Offset.Value));
        letter.GetProperty("reason").GetString().Should().Contain("Major version 2");
        letter.GetProperty("headers").GetProperty("schema-version").GetString().Should().Be("2.0");
        Convert.FromBase64String(letter.GetProperty("body").GetString()!).Should().Equal(Order(ids));
    }

    [Fact]
    public async Task Injected_fetch_errors_are_survived()
    {
        var ids = Ids.New();
        // Kafka protocol API key 1 is Fetch.
        api.Cluster.FailNextRequests(1, Confluent.Kafka.ErrorCode.NotLeaderForPartition, Confluent.Kafka.ErrorCode.RequestTimedOut, Confluent.Kafka.ErrorCode.NotLeaderForPartition);

        await api.ProduceAsync("events", ids.Show, Show(ids.Show));
        await api.ProduceAsync("orders", ids.Order, Order(ids));

        await Eventually.HoldsAsync(async () => await StatusesAsync(ids.Order) is ["sold", "sold"], "the order");
    }

    private async Task<string?[]> StatusesAsync(string order)
    {
        var response = await _ops.GetAsync($"/api/orders/{order}");
        return response.StatusCode != HttpStatusCode.OK
            ? []
            : [.. (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("status").GetString())];
    }
}
