using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// Server-sent events per conversation and per visitor, resumable with Last-Event-ID, with a
/// comment line now and then among the events (Chat:LiveChannels:HeartbeatInterval).
/// </summary>
public sealed class LiveChannelTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>, IAsyncLifetime
{
    private readonly HttpClient _mia = api.ClientFor("mia");

    public async Task InitializeAsync() => await _mia.PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_participant_receives_what_the_other_side_posts_and_resumes_after_a_reconnect_without_loss()
    {
        var vera = api.ClientFor("vera");
        var open = await vera.PostAsJsonAsync("/api/conversations", new { });
        var id = (await open.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        string lastId;
        using (var channel = await SubscribeAsync(_mia, $"/api/conversations/{id}/live"))
        {
            await PostAsync(vera, id, "Hello, live?");
            var first = await channel.NextAsync();
            first.Event.Should().Be("chat_message_posted");
            first.Data.GetProperty("content").GetString().Should().Be("Hello, live?");
            lastId = first.Id;
        }

        // Missed while away.
        await PostAsync(vera, id, "Are you there?");
        await PostAsync(_mia, id, "Yes!");

        using var resumed = await SubscribeAsync(_mia, $"/api/conversations/{id}/live", lastId);
        (await resumed.NextAsync()).Data.GetProperty("content").GetString().Should().Be("Are you there?");
        (await resumed.NextAsync()).Data.GetProperty("content").GetString().Should().Be("Yes!");
    }

    [Fact]
    public async Task A_visitor_hears_of_the_chat_opened_for_them_and_nobody_else_may_listen()
    {
        var visitor = "vlad";
        using var channel = await SubscribeAsync(api.ClientFor(visitor), $"/api/visitors/{visitor}/live");

        await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = visitor });

        (await channel.NextAsync()).Event.Should().Be("visitor_conversation_started");
        (await api.ClientFor("bob").GetAsync($"/api/visitors/{visitor}/live")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var someoneElses = await (await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = $"guest-{Guid.NewGuid():N}" })).Content.ReadFromJsonAsync<JsonElement>();
        (await api.ClientFor("bob").GetAsync($"/api/conversations/{someoneElses.GetProperty("id").GetGuid()}/live")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Managers_hear_of_every_new_conversation_on_their_general_channel_and_users_may_not_listen()
    {
        using var channel = await SubscribeAsync(api.ClientFor("max"), "/api/managers/live");
        var visitor = $"guest-{Guid.NewGuid():N}";

        await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = visitor });

        // A channel started "now" may also carry a chat opened just before (IEventStore.LastPositionAsync).
        SseEvent opened;
        do
        {
            opened = await channel.NextAsync();
        }
        while (opened.Data.GetProperty("visitorId").GetString() != visitor);

        opened.Event.Should().Be("conversation_opened");
        (await api.ClientFor("alice").GetAsync("/api/managers/live")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_chat_handed_to_another_manager_is_heard_on_the_managers_channel_and_they_may_then_listen_to_it()
    {
        var max = api.ClientFor("max");
        var id = (await (await _mia.PostAsJsonAsync("/api/conversations", new { visitorId = $"guest-{Guid.NewGuid():N}" })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        (await max.PutAsJsonAsync("/api/managers/max/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        try
        {
            (await max.GetAsync($"/api/conversations/{id}/live")).StatusCode.Should().Be(HttpStatusCode.NotFound, "it is mia's");
            using var channel = await SubscribeAsync(max, "/api/managers/live");

            (await _mia.PostAsJsonAsync($"/api/conversations/{id}/transfer", new { managerId = "max" })).EnsureSuccessStatusCode();

            SseEvent heard;
            do
            {
                heard = await channel.NextAsync();
            }
            while (heard.Event != "conversation_transferred" || heard.Data.GetProperty("conversationId").GetGuid() != id);

            (heard.Data.GetProperty("fromManagerId").GetString(), heard.Data.GetProperty("toManagerId").GetString()).Should().Be(("mia", "max"));
            using var chat = await SubscribeAsync(max, $"/api/conversations/{id}/live");
        }
        finally
        {
            // Routing here assumes mia alone on duty.
            (await max.PutAsJsonAsync("/api/managers/max/duty", new { onDuty = false })).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task A_quiet_channel_carries_a_comment_now_and_then_which_readers_skip_so_that_proxies_keep_it_open()
    {
        var vera = api.ClientFor("vera");
        var id = (await (await vera.PostAsJsonAsync("/api/conversations", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var channel = await SubscribeAsync(_mia, $"/api/conversations/{id}/live");

        (await channel.NextCommentAsync()).Should().Be(": keep-alive");
        await PostAsync(vera, id, "After a quiet while");

        (await channel.NextAsync()).Data.GetProperty("content").GetString().Should().Be("After a quiet while");
    }

    private static async Task PostAsync(HttpClient client, Guid conversation, string content) =>
        (await client.PostAsJsonAsync($"/api/conversations/{conversation}/messages", new { content })).EnsureSuccessStatusCode();

    private static async Task<SseReader> SubscribeAsync(HttpClient client, string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        return new SseReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private sealed record SseEvent(string Id, string Event, JsonElement Data);

    private sealed class SseReader(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public async Task<SseEvent> NextAsync()
        {
            string? id = null, type = null, data = null;
            while (true)
            {
                var line = await reader.ReadLineAsync().WaitAsync(Wait.Patience);
                if (line is null)
                {
                    throw new InvalidOperationException("The channel ended.");
                }

                if (line.Length == 0 && data is not null)
                {
                    return new SseEvent(id!, type!, JsonDocument.Parse(data).RootElement);
                }

                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }
        }

        /// <summary>The next comment line (one that starts with a colon), skipping whatever comes before it.</summary>
        public async Task<string> NextCommentAsync()
        {
            while (await reader.ReadLineAsync().WaitAsync(Wait.Patience) is { } line)
            {
                if (line.StartsWith(':'))
                {
                    return line;
                }
            }

            throw new InvalidOperationException("The channel ended.");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }
}
