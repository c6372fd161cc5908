using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Xunit.Abstractions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// Every endpoint of the OpenAPI document, with malformed, truncated, mistyped and hostile input,
/// as a caller holding every role: never a 5xx, every refusal problem+json, and malformed input
/// appends nothing. Prints how many requests it tried.
/// </summary>
public sealed class FuzzTests(FuzzTests.FuzzApi api, ITestOutputHelper output) : IClassFixture<FuzzTests.FuzzApi>
{
    private static readonly string[] MalformedBodies =
    [
        "", "{", "{\"name\":", "[]", "null", "123", "\"text\"", "{\"name\":\"x\"", "{\"name\":\"x\",}", "{'name':'x'}",
        "{\"unknownField\":1}", "{\"name\":{\"deep\":[1,2,{\"x\":null}]}}", new string('[', 2000) + new string(']', 2000),
        "{\"name\":1e400}", "{\"name\":\"\\ud800\"}", "{\"name\":\"\\u0000\"}", "\u00ff\u00fe{", "{\"text\":" + new string('9', 5000) + "}",
    ];

    private static readonly string[] HostileStrings =
    [
        "", " ", "'; DROP TABLE es.events; --", "\" OR 1=1 --", "<script>alert(1)</script>", "{{7*7}} ${jndi:ldap://x/a}",
        "\u0000", "\u202Eevil", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀 ‮", "../../etc/passwd", "%00%0d%0aSet-Cookie: x=1", new string('A', 100_000), "NaN",
    ];

    private static readonly string[] HostileQueryValues = ["\u0000", "abc", "-1", "99999999999999999999", "%00", "'; DROP TABLE x; --", "<script>", new string('q', 3000), "1e309", "2026-13-45T99:99:99Z"];

    private int _requests;

    [Fact]
    public async Task Malformed_input_to_every_endpoint_is_refused_with_a_problem_and_appends_nothing()
    {
        var client = api.ClientFor("fuzzer");
        // A fresh store's read models are being created, and their queries answer 503 until then,
        // as they should: the contract is for a node that serves (a CI run caught the managers' one).
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, "every read model to serve");
        var before = await api.EventCountAsync();

        foreach (var endpoint in await EndpointsAsync(client))
        {
            if (endpoint.HasBody)
            {
                foreach (var body in MalformedBodies)
                {
                    await SendAsync(client, endpoint, endpoint.Path(), new StringContent(body, Encoding.UTF8, "application/json"), mustRefuse: true);
                }

                foreach (var (content, type) in new[] { ("name=x", "application/x-www-form-urlencoded"), ("<x/>", "application/xml"), ("{\"name\":\"x\"}", "text/plain") })
                {
                    await SendAsync(client, endpoint, endpoint.Path(), new StringContent(content, Encoding.UTF8, type), mustRefuse: true);
                }

                await SendAsync(client, endpoint, endpoint.Path(), new ByteArrayContent([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x12]) { Headers = { ContentType = new("application/x-protobuf") } }, mustRefuse: true);
                await SendAsync(client, endpoint, endpoint.Path(), new ByteArrayContent(new byte[300 * 1024]) { Headers = { ContentType = new("application/json") } }, mustRefuse: true);
            }

            // A NUL in a path is refused by the server before routing (the test server throws instead): queries only.
            foreach (var value in HostileQueryValues)
            {
                var query = string.Join('&', endpoint.Query.Select(q => $"{q}={Uri.EscapeDataString(value)}"));
                await SendAsync(client, endpoint, endpoint.Path(value.Contains('\0') ? null : Uri.EscapeDataString(value)) + (query.Length > 0 ? "?" + query : ""), endpoint.HasBody ? new StringContent("{", Encoding.UTF8, "application/json") : null, mustRefuse: endpoint.HasBody);
            }

            // Bad headers on an otherwise plain request.
            await SendAsync(client, endpoint, endpoint.Path(), endpoint.HasBody ? new StringContent("{]", Encoding.UTF8, "application/json") : null, mustRefuse: endpoint.HasBody, headers: new()
            {
                ["If-Match"] = "\"not-a-revision\"",
                ["Idempotency-Key"] = new string('k', 5000),
                ["X-Correlation-Id"] = new string('c', 10_000),
                ["Last-Event-ID"] = "abc",
            });
        }

        output.WriteLine($"{_requests} malformed requests tried");
        (await api.EventCountAsync()).Should().Be(before, "nothing malformed may be appended");
    }

    [Fact]
    public async Task Hostile_values_in_well_formed_requests_never_cause_a_server_error()
    {
        var client = api.ClientFor("fuzzer");
        var document = await OpenApiAsync(client);
        foreach (var endpoint in (await EndpointsAsync(client)).Where(e => e.HasBody))
        {
            var properties = endpoint.BodyProperties(document);
            foreach (var property in properties)
            {
                foreach (var value in HostileStrings.Select(s => (JsonNode?)JsonValue.Create(s)).Append(JsonValue.Create(-1)).Append(JsonValue.Create(long.MaxValue)).Append(new JsonArray()).Append(null))
                {
                    var body = new JsonObject();
                    foreach (var other in properties)
                    {
                        body[other] = other == property ? value?.DeepClone() : JsonValue.Create("ok");
                    }

                    await SendAsync(client, endpoint, endpoint.Path(), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), mustRefuse: false);
                }
            }
        }

        output.WriteLine($"{_requests} hostile requests tried");
        _requests.Should().BeGreaterThan(500);
    }

    [Fact]
    public async Task A_status_filter_naming_no_status_is_refused_with_the_known_ones_rather_than_matching_nothing()
    {
        var client = api.ClientFor("fuzzer");
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, "every read model to serve");
        var known = new Dictionary<string, string[]>
        {
            ["/api/messages"] = ["scheduled", "sending", "done", "cancelled"],
            ["/api/conversations"] = ["open", "closed"],
            ["/api/tickets"] = ["sold", "refunded"],
        };

        // Every list the OpenAPI document gives a status filter: a new one must be added here.
        (await EndpointsAsync(client)).Where(e => e.Method == HttpMethod.Get && e.Query.Contains("status")).Select(e => e.Template)
            .Should().BeEquivalentTo(known.Keys);
        foreach (var (path, statuses) in known)
        {
            foreach (var unknown in new[] { "sent", "", statuses[0].ToUpperInvariant() })
            {
                var problem = await (await client.GetAsync($"{path}?status={unknown}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
                problem.GetProperty("errors").GetProperty("status")[0].GetString().Should().Be($"status is one of: {string.Join(", ", statuses)}.", $"{path}?status={unknown}");
            }

            foreach (var status in statuses)
            {
                (await client.GetAsync($"{path}?status={status}")).StatusCode.Should().Be(HttpStatusCode.OK, $"{path}?status={status}");
            }
        }
    }

    private async Task SendAsync(HttpClient client, Endpoint endpoint, string path, HttpContent? content, bool mustRefuse, Dictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(endpoint.Method, path) { Content = content };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        _requests++;
        var what = $"{endpoint.Method} {path[..Math.Min(path.Length, 120)]} with {(content is null ? "no body" : content.Headers.ContentType?.ToString())}";
        ((int)response.StatusCode).Should().BeLessThan(500, what);
        if ((int)response.StatusCode >= 400)
        {
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", what);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString().Should().StartWith("urn:eventsourced:problem:", what);
        }
        else if (mustRefuse)
        {
            response.StatusCode.Should().BeOneOf([HttpStatusCode.BadRequest], what + " must be refused");
        }
    }

    private static async Task<JsonElement> OpenApiAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

    private static async Task<List<Endpoint>> EndpointsAsync(HttpClient client)
    {
        var document = await OpenApiAsync(client);
        var endpoints = new List<Endpoint>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            // Live channels stream until the client leaves; their input is the id and Last-Event-ID, covered by their own tests.
            if (path.Name.EndsWith("/live", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var parameters = operation.Value.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
                endpoints.Add(new Endpoint(
                    new HttpMethod(operation.Name.ToUpperInvariant()),
                    path.Name,
                    [.. parameters.Where(x => x.GetProperty("in").GetString() == "query").Select(x => x.GetProperty("name").GetString()!)],
                    operation.Value.TryGetProperty("requestBody", out var body) ? body : null));
            }
        }

        return endpoints;
    }

    private sealed record Endpoint(HttpMethod Method, string Template, IReadOnlyList<string> Query, JsonElement? Body)
    {
        public bool HasBody => Body is not null;

        /// <summary>The path with every route parameter filled: unknown ids by default, so nothing real is touched.</summary>
        public string Path(string? value = null) =>
            System.Text.RegularExpressions.Regex.Replace(Template, "{[^}]+}", m => value ?? (m.Value == "{kind}" ? "orders" : m.Value == "{name}" ? "no-such-projection" : Guid.NewGuid().ToString()));

        public IReadOnlyList<string> BodyProperties(JsonElement document)
        {
            var schema = Body!.Value.GetProperty("content").EnumerateObject().First().Value.GetProperty("schema");
            if (schema.TryGetProperty("$ref", out var reference))
            {
                schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
            }

            return schema.TryGetProperty("properties", out var properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : [];
        }
    }

    /// <summary>The API with one more key, "fuzzer", holding every role and deploy source, and no rate limit in the way.</summary>
    public sealed class FuzzApi : EmptyStoreApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("RateLimiting:PermitsPerSecond", "1000000");
            builder.UseSetting("RateLimiting:Burst", "1000000");
            builder.UseSetting("Auth:ApiKeys:50:Hash", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("test-key-fuzzer"))));
            builder.UseSetting("Auth:ApiKeys:50:Subject", "fuzzer");
            string[] roles = ["user", "manager", "operator", "deploy-source", "ticket-source"];
            for (var i = 0; i < roles.Length; i++)
            {
                builder.UseSetting($"Auth:ApiKeys:50:Roles:{i}", roles[i]);
            }

            string[] sources = ["api", "qloud", "http", "fuzzer"];
            for (var i = 0; i < sources.Length; i++)
            {
                builder.UseSetting($"Auth:ApiKeys:50:Sources:{i}", sources[i]);
            }
        }
    }
}
