using System.Net;
using System.Text.Json;
using EventSourced.Api.Conversations;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// A shop's pages embed the chat widget: browsers there may call the chat's endpoints (CORS, for
/// the origins in Chat:AllowedOrigins only, and for nothing else of the API) and shake hands with
/// /faye by callback-polling. The browser side of it is ChatDemoBrowserTests.
/// </summary>
public sealed class ChatSitesTests(ChatSitesTests.ShopApi api) : IClassFixture<ChatSitesTests.ShopApi>
{
    private const string Shop = "https://shop.example";

    [Theory]
    [InlineData(Shop, "/api/conversations", true)]
    [InlineData(Shop, "/api/visitors/v-1/live", true)]
    [InlineData("https://elsewhere.example", "/api/conversations", false)]
    [InlineData(Shop, "/api/contacts", false)]
    [InlineData(Shop, "/api/admin/projections", false)]
    public async Task A_browsers_preflight_is_let_through_only_from_a_listed_site_to_the_chat(string origin, string path, bool allowed)
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", path.EndsWith("/live", StringComparison.Ordinal) ? "GET" : "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        var response = await api.CreateClient().SendAsync(preflight);

        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var allowedOrigin);
        (allowedOrigin?.Single()).Should().Be(allowed ? origin : null);
    }

    [Fact]
    public async Task Faye_answers_a_handshake_by_callback_polling_as_a_script_calling_the_name_given_and_refuses_any_other_script()
    {
        var handshake = Uri.EscapeDataString("""[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["callback-polling"],"ext":{"apiKey":"test-key-mia"},"id":"1"}]""");
        var client = api.CreateClient();

        var answer = await client.GetAsync($"/faye?message={handshake}&jsonp=__jsonp1__");
        var script = await answer.Content.ReadAsStringAsync();
        var injected = await client.GetAsync($"/faye?message={handshake}&jsonp={Uri.EscapeDataString("alert(document.cookie)//")}");

        answer.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        script.Should().StartWith("/**/__jsonp1__(").And.EndWith(");");
        var reply = JsonDocument.Parse(script["/**/__jsonp1__(".Length..^2]).RootElement[0];
        reply.GetProperty("successful").GetBoolean().Should().BeTrue();
        reply.GetProperty("supportedConnectionTypes").EnumerateArray().Select(t => t.GetString()).Should().Contain("callback-polling");
        injected.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("https://shop.example/")]
    [InlineData("https://shop.example/chat")]
    [InlineData("shop.example")]
    public void An_origin_that_no_browser_would_send_stops_the_start_saying_what_an_origin_is(string origin)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Chat:AllowedOrigins:0"] = origin }).Build();

        var start = () => new ServiceCollection().AddChatSites(configuration);

        start.Should().Throw<InvalidOperationException>().WithMessage($"*'{origin}'*scheme, a host and a port*");
    }

    /// <summary>The API with one site, https://shop.example, allowed to embed the chat widget.</summary>
    public sealed class ShopApi : EmptyStoreApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Chat:AllowedOrigins:0", Shop);
        }
    }
}
