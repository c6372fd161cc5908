using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Faye;

/// <summary>
/// Our /faye against the stock client, npm's faye 1.4.3, in Node: the site widget's and the
/// managers' desk's own library, over long-polling and over WebSocket.
/// </summary>
public sealed class FayeClientTests(FayeClientTests.Site site, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<FayeClientTests.Site>
{
    [Theory]
    [InlineData("long-polling")]
    [InlineData("websocket")]
    public async Task The_visitor_and_the_manager_hear_of_the_chat_within_a_second_and_each_message_and_a_stranger_is_refused(string transport)
    {
        var visitor = $"visitor-{Guid.NewGuid():N}";

        var result = await site.RunClientsAsync(transport, visitor);
        output.WriteLine(result.ToString());

        result.GetProperty("ok").GetBoolean().Should().BeTrue(result.ToString());
        var heard = result.GetProperty("heard");
        // 1 s on an idle machine (measured: 50-130 ms), stretched only as far as the machine is busy.
        var withinASecond = Wait.Scaled(TimeSpan.FromSeconds(1)).TotalMilliseconds;
        heard.GetProperty("visitorMs").GetInt32().Should().BeLessThan((int)withinASecond);
        heard.GetProperty("managerMs").GetInt32().Should().BeLessThan((int)withinASecond);
        var opened = heard.GetProperty("visitorData");
        (opened.GetProperty("entity").GetString(), opened.GetProperty("action").GetString()).Should().Be(("conversation", "opened"));
        opened.GetProperty("conversation").GetProperty("visitorId").GetString().Should().Be(visitor);
        opened.GetProperty("conversation").GetProperty("position").GetInt64().Should().BePositive("a client joining from the push reads the history from there");
        heard.GetProperty("managerData").GetProperty("conversation").GetProperty("managerId").GetString().Should().Be("mia");
        foreach (var side in new[] { "visitor", "manager" })
        {
            result.GetProperty("messages").GetProperty(side).EnumerateArray().Select(m => m.GetString()).Should().Equal("Hello, is anyone there?", "Yes, how can I help?");
            result.GetProperty("transports").GetProperty(side).GetString().Should().Be(transport);
        }

        result.GetProperty("strangerRefused").GetString().Should().Contain("Forbidden channel");
        result.TryGetProperty("strangerGotData", out _).Should().BeFalse();
    }

    [Fact]
    public async Task A_visitor_hears_that_a_manager_wrote_on_a_node_started_after_the_chat_opened()
    {
        var visitor = $"visitor-{Guid.NewGuid():N}";
        var token = await site.TokenAsync(visitor);
        using var widget = new HttpClient { BaseAddress = site.Api.BaseAddress, Timeout = Wait.Patience };
        widget.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var opened = await (await widget.PostAsync("/api/conversations", null)).JsonAsync(HttpStatusCode.Created);
        var conversationId = opened.GetProperty("id").GetString()!;

        // The visitor's widget reconnects to a node started since (a deploy); the manager writes through the first one.
        await using var later = await site.StartNodeAsync();
        var result = await Site.RunScriptAsync("visitor-notified.js", new Dictionary<string, string>
        {
            ["FAYE_URL"] = later.BaseAddress.ToString(),
            ["POST_URL"] = site.Api.BaseAddress.ToString(),
            ["VISITOR"] = visitor,
            ["VISITOR_TOKEN"] = token,
            ["MANAGER_KEY"] = ApiProcess.KeyOf("mia"),
            ["CONVERSATION"] = conversationId,
            ["CONTENT"] = "We have it in blue too",
        });
        output.WriteLine(result.ToString());

        result.GetProperty("ok").GetBoolean().Should().BeTrue(result.ToString());
        var notice = result.GetProperty("notice");
        (notice.GetProperty("entity").GetString(), notice.GetProperty("action").GetString()).Should().Be(("notification", "message"));
        var message = notice.GetProperty("message");
        (message.GetProperty("conversationId").GetString(), message.GetProperty("senderRole").GetString(), message.GetProperty("content").GetString())
            .Should().Be((conversationId, "manager", "We have it in blue too"));
    }

    /// <summary>The API as a real process (<see cref="ApiProcessSite"/>) with manager mia on duty, and the faye package installed.</summary>
    public sealed class Site : ApiProcessSite
    {
        private static readonly string Scripts = Path.Combine(Repository.Root, "tests", "IntegrationTests", "Faye");

        public override async Task InitializeAsync()
        {
            await NpmInstallAsync();
            await base.InitializeAsync();
            (await Api.ClientFor("mia").PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        }

        public async Task<JsonElement> RunClientsAsync(string transport, string visitor) =>
            await RunScriptAsync("chat-clients.js", new Dictionary<string, string>
            {
                ["API_URL"] = Api.BaseAddress.ToString(),
                ["VISITOR"] = visitor,
                ["VISITOR_TOKEN"] = await TokenAsync(visitor),
                ["STRANGER_TOKEN"] = await TokenAsync($"stranger-{Guid.NewGuid():N}"),
                ["MANAGER_KEY"] = ApiProcess.KeyOf("mia"),
                ["TRANSPORT"] = transport,
            });

        /// <summary>Runs one of the scripts beside this file in Node and returns the JSON of the last line it prints.</summary>
        public static async Task<JsonElement> RunScriptAsync(string script, IReadOnlyDictionary<string, string> environment)
        {
            var start = new ProcessStartInfo("node", [script]) { WorkingDirectory = Scripts, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            start.Environment["PATIENCE_MS"] = ((int)Wait.Patience.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var node = ChildProcesses.Start(start);
            try
            {
                var output = node.StandardOutput.ReadToEndAsync();
                var error = node.StandardError.ReadToEndAsync();
                // Each of a script's steps (at most six) has the patience: it says which one failed.
                await node.WaitForExitAsync().WaitAsync(Wait.Patience * 6);
                var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines.Should().NotBeEmpty($"the script prints its result (stderr: {await error})");
                return JsonDocument.Parse(lines[^1]).RootElement.Clone();
            }
            finally
            {
                await ChildProcesses.EndAsync(node);
            }
        }

        public async Task<string> TokenAsync(string visitor) =>
            (await (await Api.ClientFor("shop").PostAsJsonAsync("/api/visitor-tokens", new { visitorId = visitor })).JsonAsync(HttpStatusCode.OK)).GetProperty("token").GetString()!;

        // The stock client from the npm registry, as package.json pins it (node_modules is not committed).
        private static async Task NpmInstallAsync()
        {
            if (File.Exists(Path.Combine(Scripts, "node_modules", "faye", "package.json")))
            {
                return;
            }

            using var npm = ChildProcesses.Start(new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund"]) { WorkingDirectory = Scripts, RedirectStandardOutput = true, RedirectStandardError = true });
            try
            {
                var error = npm.StandardError.ReadToEndAsync();
                await npm.StandardOutput.ReadToEndAsync();
                await npm.WaitForExitAsync().WaitAsync(Wait.Scaled(TimeSpan.FromMinutes(3)));
                npm.ExitCode.Should().Be(0, $"npm install of faye must succeed: {await error}");
            }
            finally
            {
                await ChildProcesses.EndAsync(npm);
            }
        }
    }
}
