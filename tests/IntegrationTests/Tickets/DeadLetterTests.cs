using System.Net;
using System.Text.Json;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using static EventSourced.IntegrationTests.Tickets.SellerRecords;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>Dead letters of the seller's topics, replayed after a fix or discarded, over REST and the operator command line.</summary>
public sealed class DeadLetterTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private static readonly Dictionary<string, string> Headers = new() { ["content-type"] = "application/json", ["schema-version"] = "1.0", ["application-id"] = "ticketland" };
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task A_dead_letter_that_applies_now_is_replayed_and_leaves_the_list()
    {
        var ids = Ids.New();
        // As an older build would have refused it: the record itself is good.
        var id = await StoreAsync(new TicketRecord("events", 0, Random.Shared.NextInt64(1, long.MaxValue), ids.Show, Headers, Show(ids.Show), DateTimeOffset.UtcNow), "an older build's reason");

        var replayed = await (await _ops.PostAsync($"/api/ingest/dead-letters/{id}/replay", null)).JsonAsync(HttpStatusCode.OK);

        replayed.GetProperty("status").GetString().Should().Be("applied");
        (await api.StreamAsync($"ticketevent-{ids.Show}")).Should().ContainSingle();
        (await ListedAsync()).Should().NotContain(id);
        await (await _ops.PostAsync($"/api/ingest/dead-letters/{id}/replay", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_dead_letter_that_still_fails_stays_with_its_reason_until_discarded()
    {
        var ids = Ids.New();
        var id = await StoreAsync(new TicketRecord("orders", 1, Random.Shared.NextInt64(1, long.MaxValue), ids.Order, new Dictionary<string, string>(Headers) { ["schema-version"] = "2.0" }, Order(ids), DateTimeOffset.UtcNow), "Major version 2");

        var problem = await (await _ops.PostAsync($"/api/ingest/dead-letters/{id}/replay", null)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.GetProperty("detail").GetString().Should().Contain("Major version 2");
        (await ListedAsync()).Should().Contain(id);
        await (await api.ClientFor("ticketland").DeleteAsync($"/api/ingest/dead-letters/{id}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        (await _ops.DeleteAsync($"/api/ingest/dead-letters/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await ListedAsync()).Should().NotContain(id);
        await (await _ops.DeleteAsync($"/api/ingest/dead-letters/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_command_line_lists_replays_and_discards_with_exit_codes_scripts_can_use()
    {
        var ids = Ids.New();
        var good = await StoreAsync(new TicketRecord("events", 2, Random.Shared.NextInt64(1, long.MaxValue), ids.Show, Headers, Show(ids.Show), DateTimeOffset.UtcNow), "an older build's reason");
        var bad = await StoreAsync(new TicketRecord("events", 2, Random.Shared.NextInt64(1, long.MaxValue), "other-key", Headers, Show(ids.Show), DateTimeOffset.UtcNow), "key");

        var (listed, lines) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "list", "--limit", "1000");
        var (replayed, replayOutput) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "replay", $"{good}");
        var (stillBad, why) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "replay", $"{bad}");
        var (discarded, _) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "discard", $"{bad}");
        var (missing, _) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "discard", $"{bad}");

        listed.Should().Be(0);
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()).Should().Contain([good, bad]);
        (replayed, replayOutput.Trim()).Should().Be((0, "replayed: applied"));
        (stillBad, why).Should().Match<(int, string)>(r => r.Item1 == 4 && r.Item2.Contains("is not the entity id"));
        (discarded, missing).Should().Be((0, 3));
    }

    private async Task<long> StoreAsync(TicketRecord record, string reason)
    {
        var letters = api.Services.GetRequiredService<IngestDeadLetters>();
        await letters.EnsureSchemaAsync(CancellationToken.None);
        await letters.StoreAsync(record, reason, CancellationToken.None);
        return (await letters.ListAsync(1000, CancellationToken.None)).Single(l => l.Topic == record.Topic && l.Offset == record.Offset).Id;
    }

    private async Task<List<long>> ListedAsync() =>
        [.. (await (await _ops.GetAsync("/api/ingest/dead-letters?limit=1000")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Select(l => l.GetProperty("id").GetInt64())];
}
