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
        var (allReplayed, allOutput) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "replay-all", "--topic", "events");
        var (_, pastBad) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "list", "--after", $"{good}");
        var (discarded, _) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "discard", $"{bad}");
        var (missing, _) = await OperatorCli.RunAsync(api.Database.ConnectionString, "tickets", "dead-letters", "discard", $"{bad}");

        listed.Should().Be(0);
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()).Should().Contain([good, bad]);
        (replayed, replayOutput.Trim()).Should().Be((0, "replayed: applied"));
        (stillBad, why).Should().Match<(int, string)>(r => r.Item1 == 4 && r.Item2.Contains("is not the entity id"));
        (allReplayed, allOutput).Should().Match<(int, string)>(r => r.Item1 == 4 && r.Item2.Contains("still failing") && r.Item2.Contains($"{bad}"), "the output and the error are read together");
        pastBad.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()).Should().Contain(bad).And.NotContain(good);
        (discarded, missing).Should().Be((0, 3));
    }

    [Fact]
    public async Task Every_dead_letter_is_replayed_in_the_order_they_came_and_those_still_failing_stay_named()
    {
        var ids = Ids.New();
        var (show, order) = (Random.Shared.NextInt64(1, long.MaxValue), Random.Shared.NextInt64(1, long.MaxValue));
        var showLetter = await StoreAsync(new TicketRecord("events", 3, show, ids.Show, Headers, Show(ids.Show), DateTimeOffset.UtcNow), "an older build's reason");
        var orderLetter = await StoreAsync(new TicketRecord("orders", 3, order, ids.Order, Headers, Order(ids), DateTimeOffset.UtcNow), "an older build's reason");
        var badLetter = await StoreAsync(new TicketRecord("events", 3, show + 1, "other-key", Headers, Show(ids.Show), DateTimeOffset.UtcNow), "key");
        // The seller renamed the show later: applied in the order they came, the rename wins.
        var renameLetter = await StoreAsync(new TicketRecord("events", 3, show + 2, ids.Show, Headers, Show(ids.Show, name: "Swan Lake, matinee"), DateTimeOffset.UtcNow), "an older build's reason");

        var page = await (await _ops.GetAsync($"/api/ingest/dead-letters?limit=1&afterId={showLetter}")).JsonAsync(HttpStatusCode.OK);
        await (await _ops.PostAsync("/api/ingest/dead-letters/replay?topic=pigeons", null)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        await (await api.ClientFor("ticketland").PostAsync("/api/ingest/dead-letters/replay", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var replayed = await (await _ops.PostAsync("/api/ingest/dead-letters/replay", null)).JsonAsync(HttpStatusCode.OK);

        page.EnumerateArray().Select(l => l.GetProperty("id").GetInt64()).Should().Equal(orderLetter);
        replayed.GetProperty("applied").GetInt32().Should().BeGreaterThanOrEqualTo(2);
        replayed.GetProperty("stillFailing").EnumerateArray().Select(i => i.GetInt64()).Should().Contain(badLetter).And.NotContain([showLetter, orderLetter, renameLetter]);
        (await ListedAsync()).Should().Contain(badLetter).And.NotContain([showLetter, orderLetter, renameLetter]);
        var shown = await (await _ops.GetAsync($"/api/ticket-events/{ids.Show}?minPosition={replayed.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        shown.GetProperty("name").GetString().Should().Be("Swan Lake, matinee");
        (await (await _ops.GetAsync($"/api/orders/{ids.Order}?minPosition={replayed.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK)).GetProperty("orderId").GetString().Should().Be(ids.Order);
        (await _ops.DeleteAsync($"/api/ingest/dead-letters/{badLetter}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    private async Task<long> StoreAsync(TicketRecord record, string reason)
    {
        var letters = api.Services.GetRequiredService<IngestDeadLetters>();
        await letters.EnsureSchemaAsync(CancellationToken.None);
        await letters.StoreAsync(record, reason, CancellationToken.None);
        return (await letters.ListAsync(1000, 0, null, CancellationToken.None)).Single(l => l.Topic == record.Topic && l.Offset == record.Offset).Id;
    }

    private async Task<List<long>> ListedAsync() =>
        [.. (await (await _ops.GetAsync("/api/ingest/dead-letters?limit=1000")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Select(l => l.GetProperty("id").GetInt64())];
}
