using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Mia is on duty; managers open chats with made-up visitor ids, and vera is the one real visitor.</summary>
public sealed class ConversationApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>, IAsyncLifetime
{
    private readonly HttpClient _mia = api.ClientFor("mia");
    private readonly HttpClient _max = api.ClientFor("max");
    private readonly HttpClient _vera = api.ClientFor("vera");

    public async Task InitializeAsync() => await _mia.PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_visitor_gets_their_open_chat_back_and_the_counterpart_too_but_another_manager_gets_a_conflict()
    {
        var visitor = Visitor();
        var opened = await (await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = visitor })).JsonAsync(HttpStatusCode.Created);
        var id = opened.GetProperty("id").GetGuid();

        var again = await (await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = visitor })).JsonAsync(HttpStatusCode.OK);
        var other = await _max.PostAsJsonAsync("/api/conversations", new { visitorId = visitor });

        again.GetProperty("id").GetGuid().Should().Be(id);
        await other.ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:chat_already_open_with_another_manager");
    }

    [Fact]
    public async Task Visitor_and_manager_chat_read_hide_and_close_and_the_next_open_starts_a_new_chat()
    {
        var open = await _vera.PostAsJsonAsync("/api/conversations", new { });
        var id = (await open.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        if (open.StatusCode == HttpStatusCode.OK)
        {
            // Left open by an earlier run of this test against the same fixture: start afresh.
            await _vera.PostAsync($"/api/conversations/{id}/close", null);
            id = (await (await _vera.PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        }

        var hello = await PostAsync(_vera, id, "Hello, is the concert on?");
        var answer = await PostAsync(_mia, id, "Yes, at 19:00, see https://tickets.example/1");
        (await _mia.PostAsync($"/api/conversations/{id}/messages/{hello}/read", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _vera.PostAsJsonAsync($"/api/conversations/{id}/messages/{answer}/hide", new { forEveryone = false })).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await _vera.PostAsJsonAsync($"/api/conversations/{id}/messages/{answer}/hide", new { forEveryone = true }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:not_a_moderator");
        (await api.ClientFor("ops").PostAsJsonAsync($"/api/conversations/{id}/messages/{hello}/hide", new { forEveryone = true })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _vera.PostAsync($"/api/conversations/{id}/close", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await _mia.PostAsJsonAsync($"/api/conversations/{id}/messages", new { content = "Still there?" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:conversation_closed");

        var next = await (await _vera.PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created);
        next.GetProperty("id").GetGuid().Should().NotBe(id);
        (await EventTypesAsync(id)).Should().Equal(
            "conversation_opened", "chat_message_posted", "chat_message_posted", "chat_messages_read", "chat_message_hidden", "chat_message_hidden", "conversation_closed");
        await _vera.PostAsync($"/api/conversations/{next.GetProperty("id").GetGuid()}/close", null);
    }

    [Fact]
    public async Task A_link_from_a_visitor_is_rejected_by_moderation_and_the_rejection_is_recorded()
    {
        var open = await _vera.PostAsJsonAsync("/api/conversations", new { });
        var veras = (await open.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var response = await _vera.PostAsJsonAsync($"/api/conversations/{veras}/messages", new { content = "cheap tickets at www.spam.example" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "urn:eventsourced:problem:chat_message_rejected");
        problem.GetProperty("reason").GetString().Should().Be("link_from_visitor");
        (await EventTypesAsync(veras)).Should().Contain("chat_message_rejected").And.NotContain("chat_message_posted");
    }

    [Fact]
    public async Task Someone_who_takes_no_part_gets_404_for_everything()
    {
        var id = await OpenAsync(Visitor());
        var message = await PostAsync(_mia, id, "Hi");
        var vlad = api.ClientFor("vlad");

        await (await vlad.PostAsJsonAsync($"/api/conversations/{id}/messages", new { content = "Hi" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _max.PostAsync($"/api/conversations/{id}/messages/{message}/read", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await vlad.PostAsync($"/api/conversations/{id}/close", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await vlad.PostAsync($"/api/conversations/{Guid.NewGuid()}/close", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"content":""}""")]
    [InlineData("""{}""")]
    public async Task A_blank_message_is_a_400_and_appends_nothing(string body)
    {
        var id = await OpenAsync(Visitor());
        var before = await api.EventCountAsync();

        var response = await _mia.PostAsync($"/api/conversations/{id}/messages", Http.Json(body));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_message_over_4000_characters_is_a_400()
    {
        var id = await OpenAsync(Visitor());

        var response = await _mia.PostAsJsonAsync($"/api/conversations/{id}/messages", new { content = new string('x', 4001) });

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_visitor_cannot_open_a_chat_for_someone_else()
    {
        var response = await _vera.PostAsJsonAsync("/api/conversations", new { visitorId = "someone-else" });

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "urn:eventsourced:problem:forbidden");
    }

    [Fact]
    public async Task A_chat_whose_opening_crashed_after_the_visitor_pointer_is_opened_by_the_next_request()
    {
        var visitor = Visitor();
        var conversationId = Guid.CreateVersion7();
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            // What a crash between the two appends leaves: the pointer, but no conversation.
            var started = EventCatalog.Create().ToEventData(
                new Domain.Conversations.VisitorConversationStarted(visitor, conversationId, "mia", "mia", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty);
            await node.Store.AppendAsync($"visitor-{visitor}", ExpectedVersion.NoStream, [started]);
        }

        var opened = await (await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = visitor })).JsonAsync(HttpStatusCode.Created);

        opened.GetProperty("id").GetGuid().Should().Be(conversationId);
        (await EventTypesAsync(conversationId)).Should().Equal("conversation_opened");
    }

    [Fact]
    public async Task A_conversations_history_shows_the_messages_up_to_a_version_without_those_hidden_from_the_caller()
    {
        var id = await OpenAsync(Visitor());
        var first = await PostAsync(_mia, id, "First");
        var second = await PostAsync(_mia, id, "Second");
        await _mia.PostAsJsonAsync($"/api/conversations/{id}/messages/{first}/hide", new { forEveryone = false });

        var atOne = await (await _mia.GetAsync($"/api/conversations/{id}/history?asOf=1")).JsonAsync(HttpStatusCode.OK);
        var latest = await (await _mia.GetAsync($"/api/conversations/{id}/history?asOf=99")).JsonAsync(HttpStatusCode.OK);
        var forOperator = await (await api.ClientFor("ops").GetAsync($"/api/conversations/{id}/history?asOf=99")).JsonAsync(HttpStatusCode.OK);

        Contents(atOne).Should().Equal("First");
        Contents(latest).Should().Equal("Second");
        Contents(forOperator).Should().Equal("First", "Second");
        latest.GetProperty("version").GetInt64().Should().Be(3);
        await (await _max.GetAsync($"/api/conversations/{id}/history?asOf=1")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        second.Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_manager_hands_a_chat_to_another_on_duty_who_answers_and_lists_it_unread_while_the_first_no_longer_takes_part()
    {
        var id = await OpenAsync(Visitor());
        await PostAsync(_mia, id, "Let me pass you to billing");
        await (await _mia.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "max" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:manager_not_on_duty");
        (await _max.PutAsJsonAsync("/api/managers/max/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        try
        {
            await (await _mia.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            (await _vera.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "max" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
            var transferred = await (await _mia.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "max" })).JsonAsync(HttpStatusCode.OK);
            var position = transferred.GetProperty("position").GetInt64();

            var maxes = await (await _max.GetAsync($"/api/conversations?status=open&minPosition={position}")).JsonAsync(HttpStatusCode.OK);
            var mias = await (await _mia.GetAsync($"/api/conversations?status=open&minPosition={position}")).JsonAsync(HttpStatusCode.OK);
            var listed = maxes.EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == id);
            (listed.GetProperty("managerId").GetString(), listed.GetProperty("unread").GetInt32()).Should().Be(("max", 1));
            mias.EnumerateArray().Should().NotContain(c => c.GetProperty("id").GetGuid() == id);
            await PostAsync(_max, id, "Billing here, how can I help?");
            await (await _mia.PostAsJsonAsync($"/api/conversations/{id}/messages", new { content = "Still here" }))
                .ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:conversation_not_found");
            await (await _mia.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "mia" }))
                .ShouldBeProblemAsync(HttpStatusCode.NotFound, "urn:eventsourced:problem:conversation_not_found");

            // An operator hands it back; handing it to whoever has it changes nothing.
            var ops = api.ClientFor("ops");
            (await ops.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "mia" })).StatusCode.Should().Be(HttpStatusCode.OK);
            var again = await (await ops.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "mia" })).JsonAsync(HttpStatusCode.OK);
            again.GetProperty("position").ValueKind.Should().Be(JsonValueKind.Null);
            (await EventTypesAsync(id)).Count(t => t == "conversation_transferred").Should().Be(2);
        }
        finally
        {
            // Routing here assumes mia alone on duty.
            (await _max.PutAsJsonAsync("/api/managers/max/duty", new { onDuty = false })).EnsureSuccessStatusCode();
        }
    }

    private static IEnumerable<string?> Contents(JsonElement history) =>
        history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString());

    private static string Visitor() => $"guest-{Guid.NewGuid():N}";

    private async Task<Guid> OpenAsync(string visitor) =>
        (await (await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = visitor })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> PostAsync(HttpClient client, Guid conversation, string content) =>
        (await (await client.PostAsJsonAsync($"/api/conversations/{conversation}/messages", new { content })).JsonAsync(HttpStatusCode.Created)).GetProperty("messageId").GetGuid();

    private async Task<List<string>> EventTypesAsync(Guid conversation) =>
        [.. (await api.StreamAsync($"conversation-{conversation}")).Select(e => e.Type)];
}
