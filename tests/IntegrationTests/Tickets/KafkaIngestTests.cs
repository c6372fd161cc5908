using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using EventSourced.Infrastructure.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
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

        await AppliedAsync(async () => await StatusesAsync(ids.Order) is ["refunded", "sold"], "the order with its refunded ticket");
        // The shows read model moves on its own: asked at the show's position, it answers once it has it.
        var shown = (await api.StreamAsync($"ticketevent-{ids.Show}"))[^1].Position;
        var show = await (await _ops.GetAsync($"/api/ticket-events/{ids.Show}?minPosition={shown}")).JsonAsync(HttpStatusCode.OK);
        show.GetProperty("startAt").GetString().Should().Be("2026-12-31T19:00:00+03:00");
    }

    [Fact]
    public async Task A_record_delivered_again_appends_nothing()
    {
        var ids = Ids.New();
        var store = api.Services.GetRequiredService<PostgresEventStore>();
        var bulkBefore = store.BulkAppendsSeen;
        await api.ProduceAsync("events", ids.Show, Show(ids.Show));
        await api.ProduceAsync("orders", ids.Order, Order(ids));
        await api.ProduceAsync("orders", ids.Order, Order(ids));
        await api.ProduceAsync("refunds", ids.Refund, Refund(ids));

        await AppliedAsync(async () => await StatusesAsync(ids.Order) is ["refunded", "sold"], "the order with its refunded ticket");

        (await api.StreamAsync($"order-{ids.Order}")).Should().ContainSingle();
        (await api.StreamAsync($"ticketevent-{ids.Show}")).Should().ContainSingle();
        (store.BulkAppendsSeen - bulkBefore).Should().BeGreaterThanOrEqualTo(3, "the consumer's appends (show, order, refund) commit as bulk");
    }

    [Fact]
    public async Task A_poison_record_is_kept_as_a_dead_letter_while_its_partition_goes_on()
    {
        var ids = Ids.New();
        await api.ProduceAsync("events", ids.Show, Show(ids.Show));
        // Same key, same partition: the bad record comes first.
        var poison = await api.ProduceAsync("orders", ids.Order, Order(ids), schemaVersion: "2.0");
        await api.ProduceAsync("orders", ids.Order, Order(ids));

        await AppliedAsync(async () => await StatusesAsync(ids.Order) is ["sold", "sold"], "the good order after the poison one");
        var letters = await (await _ops.GetAsync("/api/ingest/dead-letters?limit=1000")).JsonAsync(HttpStatusCode.OK);
        var letter = letters.EnumerateArray().Single(l => l.GetProperty("key").GetString() == ids.Order);
        (letter.GetProperty("topic").GetString(), letter.GetProperty("partition").GetInt32(), letter.GetProperty("offset").GetInt64())
            .Should().Be(("orders", poison.Partition.Value, poison.Offset.Value));
        letter.GetProperty("reason").GetString().Should().Contain("Major version 2");
        letter.GetProperty("headers").GetProperty("schema-version").GetString().Should().Be("2.0");
        Convert.FromBase64String(letter.GetProperty("body").GetString()!).Should().Equal(Order(ids));

        var consumer = (await (await _ops.GetAsync("/health/ready")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("ticket-consumer");
        consumer.GetProperty("status").GetString().Should().Be("Healthy");
        consumer.GetProperty("description").GetString().Should().MatchRegex(@"orders/\d \d+").And.MatchRegex(@"dead letters: [1-9]");
    }

    [Fact]
    public async Task Injected_fetch_and_offset_commit_errors_are_survived()
    {
        var ids = Ids.New();
        // Kafka protocol API keys: 1 Fetch, 8 OffsetCommit.
        api.Cluster.FailNextRequests(1, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotLeaderForPartition);
        api.Cluster.FailNextRequests(8, ErrorCode.RequestTimedOut, ErrorCode.GroupLoadInProgress, ErrorCode.RequestTimedOut);

        await api.ProduceAsync("events", ids.Show, Show(ids.Show));
        await api.ProduceAsync("orders", ids.Order, Order(ids));

        await AppliedAsync(async () => await StatusesAsync(ids.Order) is ["sold", "sold"], "the order");
    }

    [Fact]
    public async Task A_second_consumer_joining_and_leaving_the_group_loses_and_doubles_nothing()
    {
        var shows = Enumerable.Range(0, 30).Select(i => $"{Ids.New().Show}-{i}").ToList();
        var second = api.NextNode();
        try
        {
            _ = second.ClientFor("ops"); // starts the second node: the group rebalances over both
            foreach (var show in shows.Take(15))
            {
                await api.ProduceAsync("events", show, Show(show));
            }

            await Eventually.HoldsAsync(async () => (await api.StreamAsync($"ticketevent-{shows[14]}")).Count > 0 || (await api.StreamAsync($"ticketevent-{shows[0]}")).Count > 0, "the first records to be applied");
        }
        finally
        {
            await second.DisposeHostAndDatabaseAsync(); // leaves: its partitions go back to the first node
        }

        foreach (var show in shows.Skip(15))
        {
            await api.ProduceAsync("events", show, Show(show));
        }

        foreach (var show in shows)
        {
            await Eventually.HoldsAsync(async () => (await api.StreamAsync($"ticketevent-{show}")).Count > 0, $"show {show}");
        }

        (await Task.WhenAll(shows.Select(s => api.StreamAsync($"ticketevent-{s}")))).Should().OnlyContain(stream => stream.Count == 1);
    }

    /// <summary>Waits for the consumer to apply what the condition checks; failing, says what the consumer logged.</summary>
    private async Task AppliedAsync(Func<Task<bool>> condition, string what)
    {
        try
        {
            await Eventually.HoldsAsync(condition, what);
        }
        catch (TimeoutException e)
        {
            var logged = api.Logs.Lines.Where(l => l.Contains("Kafka", StringComparison.Ordinal) && !l.Contains(" Information: ", StringComparison.Ordinal) && !l.Contains(" Debug: ", StringComparison.Ordinal) && !l.Contains(" Trace: ", StringComparison.Ordinal));
            throw new TimeoutException($"{e.Message} The consumer logged: {string.Join(" | ", logged.TakeLast(10))}", e);
        }
    }

    private async Task<string?[]> StatusesAsync(string order)
    {
        var response = await _ops.GetAsync($"/api/orders/{order}");
        return response.StatusCode != HttpStatusCode.OK
            ? []
            : [.. (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("status").GetString())];
    }
}
