using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>What a newcomer with a browser finds: a landing at /, the interactive API page at /docs, and a document that asks for an API key.</summary>
public sealed class DocsTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task The_root_answers_anonymously_with_links_that_work()
    {
        var anonymous = api.CreateClient();

        var landing = await anonymous.GetFromJsonAsync<JsonElement>("/");

        foreach (var link in new[] { "docs", "console", "openApi", "live" })
        {
            (await anonymous.GetAsync(landing.GetProperty(link).GetString())).StatusCode.Should().Be(HttpStatusCode.OK, $"the {link} link answers");
        }
    }

    [Fact]
    public async Task The_docs_page_is_served_from_this_host_and_reads_our_openapi_document()
    {
        var anonymous = api.CreateClient();

        var page = await anonymous.GetAsync("/docs");

        (page.StatusCode, page.RequestMessage!.RequestUri!.AbsolutePath, page.Content.Headers.ContentType!.MediaType).Should().Be((HttpStatusCode.OK, "/docs/", "text/html"));
        // The page finds the document from the site's root, next to which it is served.
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("\"url\":\"openapi/v1.json\"").And.Contain("<title>EventSourced API</title>").And.NotContain("https://", "no script, font or proxy from elsewhere");
        (await anonymous.GetAsync("/docs/scalar.js")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_console_is_served_from_this_host_as_static_files_with_nothing_from_elsewhere()
    {
        var anonymous = api.CreateClient();

        var page = await anonymous.GetAsync("/console");

        (page.StatusCode, page.RequestMessage!.RequestUri!.AbsolutePath, page.Content.Headers.ContentType!.MediaType).Should().Be((HttpStatusCode.OK, "/console/", "text/html"));
        (await page.Content.ReadAsStringAsync()).Should().Contain("<title>EventSourced console</title>").And.NotContain("https://");
        (await anonymous.GetAsync("/console/console.js")).Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        (await anonymous.GetAsync("/console/secrets.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/console/")]
    [InlineData("/chat-demo/visitor.html")]
    public async Task Static_pages_run_only_this_hosts_scripts_never_in_a_frame_and_leak_no_token_in_a_referrer(string path)
    {
        var page = await api.CreateClient().GetAsync(path);

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'self'").And.Contain("frame-ancestors 'none'");
        page.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        page.Headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
        page.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        (await page.Content.ReadAsStringAsync()).Should().NotContain("<script>", "inline scripts would need the policy loosened");
    }

    [Fact]
    public async Task Api_answers_say_their_type_is_not_to_be_sniffed_problems_made_from_exceptions_too()
    {
        var alice = api.ClientFor("alice");
        (await alice.GetAsync("/api/contacts")).Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");

        // A malformed body throws, and the exception handler answers: it once cleared the header.
        var malformed = await alice.PostAsync("/api/contacts", new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json"));
        malformed.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        malformed.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
    }

    [Fact]
    public async Task The_document_declares_the_api_key_header_for_every_operation()
    {
        var document = await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()).Should().Be(("apiKey", "header", "X-Api-Key"));
        document.GetProperty("security")[0].TryGetProperty("ApiKey", out _).Should().BeTrue();
    }
}
