using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Conversation lists page by page over HTTP; a store of their own, as who is on duty decides who gets a chat.</summary>
public sealed class ConversationListPagingTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task A_visitors_conversations_page_back_latest_first_from_the_last_one_listed()
    {
        var bob = api.ClientFor("bob");
        await (await api.ClientFor("mia").PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).JsonAsync(HttpStatusCode.OK);
        var opened = new List<Guid>();
        long position = 0;
        for (var n = 0; n < 3; n++)
        {
            opened.Add((await (await bob.PostAsJsonAsync("/api/conversations", new { })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid());
            position = (await (await bob.PostAsync($"/api/conversations/{opened[^1]}/close", null)).JsonAsync(HttpStatusCode.OK)).GetProperty("position").GetInt64();
        }

        var first = await (await bob.GetAsync($"/api/conversations?limit=2&minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        var second = await (await bob.GetAsync($"/api/conversations?limit=2&beforeId={first[1].GetProperty("id").GetGuid()}")).JsonAsync(HttpStatusCode.OK);

        Ids(first).Should().Equal(opened[2], opened[1]);
        Ids(second).Should().Equal(opened[0]);
        (await (await api.ClientFor("vera").GetAsync($"/api/conversations?beforeId={opened[2]}")).JsonAsync(HttpStatusCode.OK))
            .GetArrayLength().Should().Be(0, "another visitor's conversation is no place to page from");
    }

    private static IEnumerable<Guid> Ids(JsonElement conversations) => conversations.EnumerateArray().Select(c => c.GetProperty("id").GetGuid());
}
