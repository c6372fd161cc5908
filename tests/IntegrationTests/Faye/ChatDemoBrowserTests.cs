using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Playwright;

namespace EventSourced.IntegrationTests.Faye;

/// <summary>The chat widget and the managers' desk at /chat-demo, each a Faye client in headless Chromium, talking through our /faye.</summary>
public sealed class ChatDemoBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    [Fact]
    public async Task A_visitor_opens_a_chat_the_managers_desk_shows_it_they_exchange_messages_and_read_marks_appear()
    {
        (await site.Api.ClientFor("mia").PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        var visitor = $"visitor-{Guid.NewGuid():N}"[..16];
        var token = (await (await site.Api.ClientFor("shop").PostAsJsonAsync("/api/visitor-tokens", new { visitorId = visitor })).JsonAsync(HttpStatusCode.OK)).GetProperty("token").GetString();
        var desk = await site.Browser.NewPageAsync(site.Api.BaseAddress);
        await desk.GotoAsync($"/chat-demo/desk.html?key={ApiProcess.KeyOf("mia")}");
        await Assertions.Expect(desk.Locator("#status")).ToHaveTextAsync("Online");
        var widget = await site.Browser.NewPageAsync(site.Api.BaseAddress);
        await widget.GotoAsync($"/chat-demo/visitor.html?visitor={visitor}&token={token}");
        await Assertions.Expect(widget.Locator("#status")).ToHaveTextAsync("Online");

        await widget.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
        await Assertions.Expect(widget.Locator("#status")).ToHaveTextAsync("Chatting with mia");
        await desk.GetByRole(AriaRole.Button, new() { Name = $"Visitor {visitor}" }).ClickAsync();
        await Assertions.Expect(desk.Locator("#status")).ToHaveTextAsync($"Chatting with visitor {visitor}");

        await widget.GetByLabel("Message").FillAsync("Do you ship to Kazan?");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(desk.Locator("#messages li.theirs")).ToHaveTextAsync("Do you ship to Kazan?");
        await desk.GetByLabel("Message").FillAsync("Yes, in two days.");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(widget.Locator("#messages li.theirs")).ToHaveTextAsync("Yes, in two days.");

        // Each side showed the other's message, which marked it read: the sender sees the mark.
        await Assertions.Expect(widget.Locator("#messages li.mine .mark")).ToHaveTextAsync("✓ read");
        await Assertions.Expect(desk.Locator("#messages li.mine .mark")).ToHaveTextAsync("✓ read");
        await Screenshots.TakeAsync(widget, "chat-demo-widget");
        await Screenshots.TakeAsync(desk, "chat-demo-desk");

        // Reloaded, the widget takes the mark from the history: once the read model has the read.
        var ops = site.Api.ClientFor("ops");
        var conversation = (await (await ops.GetAsync($"/api/conversations?visitorId={visitor}")).JsonAsync(HttpStatusCode.OK))[0].GetProperty("id").GetGuid();
        await Eventually.HoldsAsync(
            async () => (await (await ops.GetAsync($"/api/conversations/{conversation}/messages")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().All(m => m.GetProperty("read").GetBoolean()),
            "both messages read in the read model");
        await widget.ReloadAsync();
        await widget.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
        await Assertions.Expect(widget.Locator("#messages li.mine")).ToHaveTextAsync("Do you ship to Kazan?✓ read");
    }

    [Fact]
    public async Task A_chat_handed_to_another_manager_appears_on_their_desk_and_says_so_in_the_widget_which_shows_their_reply_and_read_mark()
    {
        var (max, ops) = (site.Api.ClientFor("max"), site.Api.ClientFor("ops"));
        var (widget, conversation, visitor) = await ChatWithMiaAsync("handed", site.Api.BaseAddress, (v, token) => $"/chat-demo/visitor.html?visitor={v}&token={token}");

        (await max.PutAsJsonAsync("/api/managers/max/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        try
        {
            // Max's desk opens after the chat did: only the hand-over's push can list it there.
            var desk = await site.Browser.NewPageAsync(site.Api.BaseAddress);
            await desk.GotoAsync($"/chat-demo/desk.html?key={ApiProcess.KeyOf("max")}");
            await Assertions.Expect(desk.Locator("#status")).ToHaveTextAsync("Online");
            var chatOnDesk = desk.GetByRole(AriaRole.Button, new() { Name = $"Visitor {visitor}" });
            await Assertions.Expect(chatOnDesk).ToHaveCountAsync(0);

            (await ops.PostAsJsonAsync($"/api/conversations/{conversation}/transfer", new { managerId = "max" })).EnsureSuccessStatusCode();
            await Assertions.Expect(widget.Locator("#status")).ToHaveTextAsync("Chatting with max");
            await chatOnDesk.ClickAsync();
            await Assertions.Expect(desk.Locator("#status")).ToHaveTextAsync($"Chatting with visitor {visitor}");

            (await max.PostAsJsonAsync($"/api/conversations/{conversation}/messages", new { content = "Max here, from billing." })).EnsureSuccessStatusCode();
            await Assertions.Expect(widget.Locator("#messages li.theirs")).ToHaveTextAsync("Max here, from billing.");
            await widget.GetByLabel("Message").FillAsync("Thanks!");
            await widget.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
            await Assertions.Expect(widget.Locator("#messages li.mine")).ToHaveCountAsync(1);
            // The widget lists its message once the API took it; the history shows it once the read model has it.
            var newest = default(JsonElement);
            await Eventually.HoldsAsync(
                async () => (newest = (await (await max.GetAsync($"/api/conversations/{conversation}/messages?count=1")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Single())
                    .GetProperty("content").GetString() == "Thanks!",
                "the visitor's reply in the history");
            (await max.PostAsync($"/api/conversations/{conversation}/messages/{newest.GetProperty("id").GetGuid()}/read", null)).EnsureSuccessStatusCode();
            await Assertions.Expect(widget.Locator("#messages li.mine .mark")).ToHaveTextAsync("✓ read");
        }
        finally
        {
            // The other tests here expect mia alone on duty.
            (await max.PutAsJsonAsync("/api/managers/max/duty", new { onDuty = false })).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task A_shops_page_embedding_the_widget_from_the_api_host_opens_a_chat_and_gets_the_managers_reply_live()
    {
        // Another origin: Faye shakes hands by callback-polling, and the REST calls pass CORS.
        var (widget, conversation, _) = await ChatWithMiaAsync("shopper", site.Shop.Address, (visitor, token) => $"/shop.html?visitor={visitor}&token={token}");
        (await site.Api.ClientFor("mia").PostAsJsonAsync($"/api/conversations/{conversation}/messages", new { content = "We open at ten." })).EnsureSuccessStatusCode();

        await Assertions.Expect(widget.Locator("#messages li.theirs")).ToHaveTextAsync("We open at ten.");
        widget.Url.Should().StartWith(site.Shop.Origin, "the page is the shop's, not the API host's");
    }

    /// <summary>
    /// Mia on duty, and a new visitor's widget, loaded from <paramref name="origin"/> at the page
    /// <paramref name="pageFor"/> names for the visitor and their token, that has started a chat with her.
    /// </summary>
    private async Task<(IPage Widget, Guid Conversation, string Visitor)> ChatWithMiaAsync(string visitorPrefix, Uri origin, Func<string, string, string> pageFor)
    {
        var mia = site.Api.ClientFor("mia");
        (await mia.PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        var visitor = $"{visitorPrefix}-{Guid.NewGuid():N}"[..16];
        var token = (await (await site.Api.ClientFor("shop").PostAsJsonAsync("/api/visitor-tokens", new { visitorId = visitor })).JsonAsync(HttpStatusCode.OK)).GetProperty("token").GetString()!;
        var widget = await site.Browser.NewPageAsync(origin);
        await widget.GotoAsync(pageFor(visitor, token));
        await Assertions.Expect(widget.Locator("#status")).ToHaveTextAsync("Online");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
        await Assertions.Expect(widget.Locator("#status")).ToHaveTextAsync("Chatting with mia");
        var conversation = (await (await mia.GetAsync($"/api/conversations?visitorId={visitor}")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Single().GetProperty("id").GetGuid();
        return (widget, conversation, visitor);
    }
}
