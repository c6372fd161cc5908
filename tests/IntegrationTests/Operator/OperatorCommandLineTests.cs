using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Operator;

/// <summary>The operator command line, run in-process against the same database as a running host.</summary>
public sealed class OperatorCommandLineTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task Streams_read_prints_every_event_of_a_stream_with_its_metadata_as_json_lines()
    {
        var alice = api.ClientFor("alice");
        await alice.PostAsJsonAsync("/api/contacts", new { name = $"Cli {Guid.NewGuid():N}", viber = "cli" });
        await alice.PostAsJsonAsync("/api/contacts", new { name = $"Cli {Guid.NewGuid():N}", viber = "cli" });

        var (code, output) = await RunAsync("streams", "read", "contacts-alice", "--from", "1");

        code.Should().Be(0);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Should().NotBeEmpty();
        lines[0].GetProperty("streamVersion").GetInt64().Should().Be(1);
        lines.Should().OnlyContain(e => e.GetProperty("type").GetString() == "contact_added" && e.GetProperty("metadata").GetProperty("actor").GetString() == "alice");
        output.Should().Contain("+00:00\"", "moments read as the REST answers write them, for grep").And.NotContain("\\u002B");
    }

    [Fact]
    public async Task Subjects_forget_erases_a_contact_on_the_running_host_too_once_and_refuses_an_unnamed_subject()
    {
        var vlad = api.ClientFor("vlad");
        var name = $"Forget via cli {Guid.NewGuid():N}";
        var id = (await (await vlad.PostAsJsonAsync("/api/contacts", new { name, viber = "cli-forget" })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        (await (await vlad.GetAsync($"/api/contacts/{id}")).JsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString().Should().Be(name, "the host has the key in memory now");

        var (code, output) = await RunAsync("subjects", "forget", "--owner", "vlad", "--contact", id.ToString(), "--reason", "asked by phone");
        var (again, twice) = await RunAsync("subjects", "forget", "--owner", "vlad", "--contact", id.ToString(), "--reason", "asked by phone");
        var (refused, why) = await RunAsync("subjects", "forget", "--reason", "nobody");

        (code, again, refused).Should().Be((0, 0, 2));
        output.Should().StartWith("forgotten at position ");
        twice.Should().StartWith("nothing to forget");
        why.Should().Contain("Name one subject");
        // The host hears of the destroyed key (NOTIFY) and drops it, with the states folded under it.
        await Eventually.HoldsAsync(
            async () => (await (await vlad.GetAsync($"/api/contacts/{id}")).JsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString() == "[erased]",
            "the running host reads the contact as erased");
    }

    [Fact]
    public async Task Audit_finds_an_actors_events_by_type_and_prints_the_cursor_for_the_next_page()
    {
        var bob = api.ClientFor("bob");
        for (var i = 0; i < 3; i++)
        {
            await bob.PostAsJsonAsync("/api/contacts", new { name = $"Audit{i} {Guid.NewGuid():N}", viber = "b" });
        }

        var (code, output) = await RunAsync("audit", "--actor", "bob", "--type", "contact_added", "--count", "2");

        code.Should().Be(0);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        lines[..2].Select(l => JsonDocument.Parse(l).RootElement.GetProperty("metadata").GetProperty("actor").GetString()).Should().Equal("bob", "bob");
        lines[2].Should().StartWith("next: --after ");
    }

    [Fact]
    public async Task Projections_rebuild_follows_the_new_generation_until_it_serves_and_status_shows_it()
    {
        var created = await (await api.ClientFor("vera").PostAsJsonAsync("/api/contacts", new { name = $"Rebuild {Guid.NewGuid():N}", viber = "r" })).JsonAsync(HttpStatusCode.Created);

        var (code, output) = await RunAsync("projections", "rebuild", "contacts");
        var (_, status) = await RunAsync("projections", "status");

        code.Should().Be(0);
        output.Should().MatchRegex(@"Generation (\d+) serves contacts after");
        var generation = System.Text.RegularExpressions.Regex.Match(output, @"Generation (\d+) serves").Groups[1].Value;
        status.Split('\n').Should().Contain(l => l.StartsWith("contacts ") && l.Contains($" {generation} serving") && l.TrimEnd().EndsWith(" 1"), "the API's node runs it");
        status.Split('\n').Should().Contain(l => l.StartsWith("chat-handover "), "reactors follow the projections");
        // The list is served by the read model, now the new generation.
        var listed = await (await api.ClientFor("vera").GetAsync("/api/contacts")).JsonAsync(HttpStatusCode.OK);
        listed.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).Should().Contain(created.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Projections_rebuild_with_a_stream_projects_just_that_stream_again()
    {
        var created = await (await api.ClientFor("vlad").PostAsJsonAsync("/api/contacts", new { name = $"Stream {Guid.NewGuid():N}", viber = "s" })).JsonAsync(HttpStatusCode.Created);
        await api.ClientFor("vlad").GetAsync($"/api/contacts?minPosition={created.GetProperty("position").GetInt64()}");

        var (code, output) = await RunAsync("projections", "rebuild", "contacts", "--stream", "contacts-vlad");
        var (refused, why) = await RunAsync("projections", "rebuild", "managers", "--stream", "duty-roster");

        code.Should().Be(0);
        output.Should().Contain("contacts: contacts-vlad projected again from 1 events.");
        refused.Should().Be(2);
        why.Should().Contain("cannot rebuild stream 'duty-roster'");
    }

    [Fact]
    public async Task Projections_dead_letters_lists_a_parked_event_keeps_it_while_it_fails_and_discards_it()
    {
        // The host's projection parks it: started here, as no request of this test starts it (run
        // alone, it waited for a host that never came).
        _ = api.Services;
        var stream = $"contacts-poison{Guid.NewGuid():N}";
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            await node.Store.AppendAsync(stream, Application.EventStore.ExpectedVersion.Any, [new(Guid.NewGuid(), "contact_added", "{}", Application.EventStore.EventMetadata.Empty)]);
        }

        var listed = "";
        await Eventually.HoldsAsync(async () => (listed = (await RunAsync("projections", "dead-letters", "list", "contacts")).Output).Contains(stream, StringComparison.Ordinal), "the event to be parked");
        var id = JsonDocument.Parse(listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single()).RootElement.GetProperty("id").GetInt64().ToString();

        var (afterCode, after) = await RunAsync("projections", "dead-letters", "list", "contacts", "--after", id);
        var (failing, why) = await RunAsync("projections", "dead-letters", "replay", "contacts", id);
        var (allFailing, allWhy) = await RunAsync("projections", "dead-letters", "replay-all", "contacts");
        var (discarded, _) = await RunAsync("projections", "dead-letters", "discard", "contacts", id);
        var (again, _) = await RunAsync("projections", "dead-letters", "discard", "contacts", id);

        (afterCode, after.Trim()).Should().Be((0, ""), "the page after the last one listed is empty");
        failing.Should().Be(4, why);
        why.Should().Contain("Still cannot be applied");
        allFailing.Should().Be(4, allWhy);
        allWhy.Should().Contain("replayed: 0 from 0 streams projected again, 1 still failing").And.Contain($"Still cannot be applied: {id} ({stream})");
        discarded.Should().Be(0);
        again.Should().Be(3, "it is gone");
    }

    [Fact]
    public async Task An_unknown_projection_is_an_error_exit()
    {
        var (code, output) = await RunAsync("projections", "rebuild", "no-such-projection");

        code.Should().Be(2);
        output.Should().Contain("There is no projection 'no-such-projection'");
    }

    [Fact]
    public async Task A_value_of_the_wrong_kind_is_bad_usage_told_in_the_operators_words()
    {
        var delivery = await RunAsync("deliveries", "redeliver", "--owner", "alice", "--delivery", "nope");
        var from = await RunAsync("audit", "--from", "yesterday");
        var deadLetter = await RunAsync("tickets", "dead-letters", "replay", "seven");
        // A type is checked against those stored: the host must have made the store by then.
        await (await api.ClientFor("alice").PostAsJsonAsync("/api/contacts", new { name = $"Typed {Guid.NewGuid():N}", viber = "t" })).JsonAsync(HttpStatusCode.Created);
        var type = await RunAsync("audit", "--type", "contact_add");

        (delivery.Code, from.Code, deadLetter.Code, type.Code).Should().Be((2, 2, 2, 2));
        delivery.Output.Should().StartWith("--delivery takes an id (a UUID); 'nope' is not one.");
        from.Output.Should().StartWith("--from takes a moment in ISO 8601, such as 2026-12-24T18:00:00+03:00; 'yesterday' is not one.");
        deadLetter.Output.Should().StartWith("<id> takes a whole number; 'seven' is not one.");
        type.Output.Should().StartWith("--type: No event of type 'contact_add' is stored.").And.Contain("contact_added");
    }

    [Fact]
    public async Task A_database_not_there_or_without_an_event_store_is_told_in_one_line_naming_the_setting()
    {
        await using var empty = await TestDatabase.CreateAsync();
        var unreachable = $"Host=127.0.0.1;Port={Loopback.FreePort()};Username=x;Password=y;Database=z;Timeout=5";

        var noStore = await OperatorCli.RunAsync(empty.ConnectionString, "audit");
        var away = await OperatorCli.RunAsync(unreachable, "projections", "status");

        (noStore.Code, away.Code).Should().Be((1, 1));
        noStore.Output.Should().StartWith("The database has no event store yet").And.NotContain("   at ");
        away.Output.Should().Contain("The database could not be reached").And.Contain("ConnectionStrings__EventStore").And.NotContain("   at ");
    }

    private Task<(int Code, string Output)> RunAsync(params string[] args) => OperatorCli.RunAsync(api.Database.ConnectionString, args);
}
