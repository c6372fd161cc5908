using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Chats handed from manager to manager (ADR 0009): mia, max and ann are managers, vlad and vera visitors.</summary>
public sealed class ChatHandoverTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task A_manager_who_leaves_duty_hands_each_open_chat_in_turn_to_those_on_duty_and_a_closed_chat_stays()
    {
        await SetDutyAsync(("mia", true), ("max", true), ("ann", true));
        var (first, second, closed) = (Visitor(), Visitor(), Visitor());
        var firstId = await OpenAsync("ann", first);
        await OpenAsync("ann", second);
        var closedId = await OpenAsync("ann", closed);
        (await api.ClientFor("ann").PostAsync($"/api/conversations/{closedId}/close", null)).EnsureSuccessStatusCode();

        await SetDutyAsync(("ann", false));

        await Eventually.HoldsAsync(async () => await ManagerOfAsync(first) == "mia" && await ManagerOfAsync(second) == "max", "ann's open chats handed to mia, then max");
        (await ManagerOfAsync(closed)).Should().Be("ann");
        var handedOver = (await api.StreamAsync(Conversation.StreamId(firstId))).Single(e => e.Type == "conversation_transferred");
        FromAndBy(handedOver).Should().Be(("ann", "chat-handover"));
        (await api.ClientFor("mia").PostAsJsonAsync($"/api/conversations/{firstId}/messages", new { content = "Mia here, ann has left for today" }))
            .StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Chats_left_while_nobody_was_on_duty_stay_until_a_manager_comes_on_duty_who_then_takes_them()
    {
        await SetDutyAsync(("mia", false), ("ann", false), ("max", true));
        var visitor = Visitor();
        await OpenAsync("max", visitor);

        var left = await SetDutyAsync(("max", false));
        await Eventually.HoldsAsync(async () => await HandoverCheckpointAsync() >= left, "the hand-over's checkpoint, in the reactors' status, passed max leaving duty");
        (await ManagerOfAsync(visitor)).Should().Be("max", "nobody was on duty to take it");

        await SetDutyAsync(("mia", true));
        await Eventually.HoldsAsync(async () => await ManagerOfAsync(visitor) == "mia", "max's chat handed to mia when she came on duty");
    }

    [Fact]
    public async Task A_chat_opened_with_a_manager_who_has_left_duty_since_it_was_routed_to_them_is_handed_on_at_once()
    {
        await SetDutyAsync(("ann", true), ("ann", false), ("mia", true), ("max", false));
        var conversation = Guid.CreateVersion7();
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            // What an opening that crashed after routing vera to ann leaves; ann has left duty since.
            var started = EventCatalog.Create().ToEventData(new VisitorConversationStarted("vera", conversation, "ann", "vera", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty);
            await node.Store.AppendAsync("visitor-vera", ExpectedVersion.NoStream, [started]);
        }

        var opened = await (await api.ClientFor("vera").PostAsync("/api/conversations", null)).JsonAsync(HttpStatusCode.Created);

        (opened.GetProperty("id").GetGuid(), opened.GetProperty("managerId").GetString()).Should().Be((conversation, "ann"));
        await Eventually.HoldsAsync(async () => await ManagerOfAsync("vera") == "mia", "vera's chat handed from ann, off duty, to mia");
    }

    [Fact]
    public async Task A_chat_handed_to_a_manager_as_they_leave_duty_is_handed_on_at_once()
    {
        await SetDutyAsync(("mia", true), ("ann", true), ("max", false));
        var visitor = Visitor();
        var id = await OpenAsync("mia", visitor);
        await SetDutyAsync(("ann", false));
        await using (var node = await EventStoreNode.StartAsync(api.Database.ConnectionString))
        {
            // What mia's hand-over to ann leaves when it saw ann on duty just before she left: it
            // lands after her leaving, whose hand-over found no chat of hers.
            var transferred = EventCatalog.Create().ToEventData(new ConversationTransferred(id, "mia", "ann", "mia", DateTimeOffset.UtcNow, visitor), Guid.NewGuid(), EventMetadata.Empty);
            await node.Store.AppendAsync(Conversation.StreamId(id), ExpectedVersion.Any, [transferred]);
        }

        await Eventually.HoldsAsync(
            async () => (await api.StreamAsync(Conversation.StreamId(id))).Any(e => e.Type == "conversation_transferred" && FromAndBy(e) == ("ann", "chat-handover")),
            "the chat handed from ann, off duty, on to mia");
        await Eventually.HoldsAsync(async () => await ManagerOfAsync(visitor) == "mia", "mia has the chat again");
    }

    [Fact]
    public async Task A_chat_handed_back_to_a_manager_is_unread_for_them_only_from_where_they_had_read()
    {
        await SetDutyAsync(("mia", true), ("max", true));
        var (mia, vlad) = (api.ClientFor("mia"), api.ClientFor("vlad"));
        var id = await OpenAsync("mia", "vlad");
        await PostAsync(vlad, id, "Hello?");
        var read = await PostAsync(vlad, id, "Anyone there?");
        (await mia.PostAsync($"/api/conversations/{id}/messages/{read}/read", null)).EnsureSuccessStatusCode();
        await PostAsync(vlad, id, "I need a refund");

        (await _ops.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "max" })).EnsureSuccessStatusCode();
        var back = await (await _ops.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "mia" })).JsonAsync(HttpStatusCode.OK);

        var listed = await (await mia.GetAsync($"/api/conversations?status=open&minPosition={back.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        listed.EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == id).GetProperty("unread").GetInt32().Should().Be(1, "mia had read all but the last");
    }

    private static (string? From, string? By) FromAndBy(RecordedEvent transferred)
    {
        using var data = JsonDocument.Parse(transferred.Data);
        return (data.RootElement.GetProperty("fromManagerId").GetString(), data.RootElement.GetProperty("transferredBy").GetString());
    }

    private static string Visitor() => $"guest-{Guid.NewGuid():N}";

    private static async Task<Guid> PostAsync(HttpClient client, Guid conversation, string content) =>
        (await (await client.PostAsJsonAsync($"/api/conversations/{conversation}/messages", new { content })).JsonAsync(HttpStatusCode.Created)).GetProperty("messageId").GetGuid();

    /// <returns>The position of the last change.</returns>
    private async Task<long> SetDutyAsync(params (string Manager, bool OnDuty)[] changes)
    {
        var position = 0L;
        foreach (var (manager, onDuty) in changes)
        {
            var set = await (await api.ClientFor(manager).PutAsJsonAsync($"/api/managers/{manager}/duty", new { onDuty })).JsonAsync(HttpStatusCode.OK);
            position = set.GetProperty("position").ValueKind == JsonValueKind.Number ? set.GetProperty("position").GetInt64() : position;
        }

        return position;
    }

    private async Task<Guid> OpenAsync(string manager, string visitor) =>
        (await (await api.ClientFor(manager).PostAsJsonAsync("/api/conversations", new { visitorId = visitor })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private async Task<string?> ManagerOfAsync(string visitor)
    {
        var chats = await (await _ops.GetAsync($"/api/conversations?visitorId={visitor}")).JsonAsync(HttpStatusCode.OK);
        // Null while the read model has not caught up with the opening.
        return chats.EnumerateArray().Select(c => c.GetProperty("managerId").GetString()).SingleOrDefault();
    }

    private async Task<long> HandoverCheckpointAsync()
    {
        var reactors = await (await _ops.GetAsync("/api/admin/reactors")).JsonAsync(HttpStatusCode.OK);
        return reactors.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "chat-handover").GetProperty("position").GetInt64();
    }
}
