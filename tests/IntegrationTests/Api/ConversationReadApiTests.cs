using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class ConversationReadApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task Each_participant_sees_their_unread_count_pages_newest_first_and_not_what_they_hid()
    {
        var mia = api.ClientFor("mia");
        var vera = api.ClientFor("vera");
        var onDuty = await (await mia.PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).JsonAsync(HttpStatusCode.OK);
        var id = (await (await vera.PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var sent = new List<Guid>();
        foreach (var text in new[] { "one", "two", "three", "four" })
        {
            sent.Add((await (await vera.PostAsJsonAsync($"/api/conversations/{id}/messages", new { content = text })).JsonAsync(HttpStatusCode.Created)).GetProperty("messageId").GetGuid());
        }

        await mia.PostAsync($"/api/conversations/{id}/messages/{sent[1]}/read", null);
        var hidden = await (await mia.PostAsJsonAsync($"/api/conversations/{id}/messages/{sent[3]}/hide", new { forEveryone = false })).JsonAsync(HttpStatusCode.OK);
        var position = hidden.GetProperty("position").GetInt64();

        var miasList = await (await mia.GetAsync($"/api/conversations?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        var latest = await (await mia.GetAsync($"/api/conversations/{id}/messages?count=2")).JsonAsync(HttpStatusCode.OK);
        var older = await (await mia.GetAsync($"/api/conversations/{id}/messages?beforeId={sent[1]}")).JsonAsync(HttpStatusCode.OK);
        var newer = await (await mia.GetAsync($"/api/conversations/{id}/messages?sinceId={sent[0]}")).JsonAsync(HttpStatusCode.OK);
        var verasView = await (await vera.GetAsync($"/api/conversations/{id}/messages")).JsonAsync(HttpStatusCode.OK);
        var managers = await (await mia.GetAsync($"/api/managers?minPosition={onDuty.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);

        miasList.EnumerateArray().Single().GetProperty("unread").GetInt64().Should().Be(1, "three is unread; four is hidden from her");
        Contents(latest).Should().Equal("three", "two");
        Contents(older).Should().Equal("one");
        Contents(newer).Should().Equal("three", "two");
        Contents(verasView).Should().Equal("four", "three", "two", "one");
        verasView.EnumerateArray().Select(m => m.GetProperty("read").GetBoolean()).Should().Equal([false, false, true, true], "mia read up to two");
        var miaRow = managers.EnumerateArray().Single(m => m.GetProperty("managerId").GetString() == "mia");
        miaRow.GetProperty("onDuty").GetBoolean().Should().BeTrue();
        miaRow.GetProperty("openConversations").GetInt64().Should().Be(1);
        await (await api.ClientFor("vlad").GetAsync($"/api/conversations/{id}/messages")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await mia.GetAsync($"/api/conversations/{id}/messages?count=500")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    private static IEnumerable<string?> Contents(JsonElement messages) => messages.EnumerateArray().Select(m => m.GetProperty("content").GetString());
}
