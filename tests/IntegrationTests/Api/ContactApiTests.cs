using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

public sealed class ContactApiTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Adding_a_contact_returns_201_with_location_version_and_position_and_it_reads_back()
    {
        var response = await _client.PostAsJsonAsync("/api/contacts", new { name = "Artem", telegram = "@artem_ivanov", whatsApp = "+4915112345678" });

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.ETag!.Tag.Should().Be("\"0\"");
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        created.GetProperty("version").GetInt64().Should().Be(0);
        created.GetProperty("position").GetInt64().Should().BePositive();

        var read = await _client.GetAsync(response.Headers.Location);
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.Should().Be("\"0\"");
        var contact = await read.Content.ReadFromJsonAsync<JsonElement>();
        contact.GetProperty("id").GetGuid().Should().Be(created.GetProperty("id").GetGuid());
        contact.GetProperty("name").GetString().Should().Be("Artem");
        contact.GetProperty("telegram").GetString().Should().Be("@artem_ivanov");
        contact.GetProperty("whatsApp").GetString().Should().Be("+4915112345678");
        contact.GetProperty("viber").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task The_correlation_id_of_the_request_is_echoed_and_stored_with_the_event()
    {
        var correlationId = $"corr-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/contacts") { Content = JsonContent.Create(new { name = "Olga", viber = "olga-viber" }) };
        request.Headers.Add("X-Correlation-Id", correlationId);
        request.Headers.Add("X-Causation-Id", "cause-42");

        var response = await _client.SendAsync(request);

        response.Headers.GetValues("X-Correlation-Id").Should().Equal(correlationId);
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        var stored = await node.Store.ReadByCorrelationIdAsync(correlationId, 10);
        stored.Should().ContainSingle().Which.Metadata.CausationId.Should().Be("cause-42");
        stored[0].Type.Should().Be("contact_added");
    }

    [Theory]
    [InlineData("""{"name":"Artem"}""", "messengers")]
    [InlineData("""{"name":"Artem","whatsApp":"12345"}""", "whatsApp")]
    [InlineData("""{"name":"Artem","telegram":"@a b"}""", "telegram")]
    [InlineData("""{"name":"","viber":"v1"}""", "name")]
    [InlineData("""{"viber":"v1"}""", "name")]
    public async Task An_invalid_contact_is_a_400_listing_the_field_and_appends_nothing(string body, string field)
    {
        var before = await api.EventCountAsync();

        var response = await PostRawAsync(body);

        var problem = await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "urn:eventsourced:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Theory]
    [InlineData("""{"name":"Artem","telegram":""")]
    [InlineData("""{"name":42,"telegram":"@artem_ivanov"}""")]
    [InlineData("""{"name":"Artem","telegram":"@artem_ivanov","owner":"someone-else"}""")]
    [InlineData("""[]""")]
    [InlineData("")]
    public async Task A_body_that_cannot_be_read_is_a_400_problem_and_appends_nothing(string body)
    {
        var before = await api.EventCountAsync();

        var response = await PostRawAsync(body);

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "urn:eventsourced:problem:bad-request");
        response.Headers.Contains("X-Correlation-Id").Should().BeTrue();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        var response = await _client.PostAsync("/api/contacts", new StringContent("name=Artem", Encoding.UTF8, "text/plain"));

        await ShouldBeProblemAsync(response, HttpStatusCode.UnsupportedMediaType, null);
    }

    [Fact]
    public async Task An_unknown_contact_is_a_404_problem()
    {
        var response = await _client.GetAsync($"/api/contacts/{Guid.NewGuid()}");

        await ShouldBeProblemAsync(response, HttpStatusCode.NotFound, "urn:eventsourced:problem:not-found");
    }

    [Fact]
    public async Task The_openapi_document_describes_the_contact_endpoints()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        document.GetProperty("paths").TryGetProperty("/api/contacts", out _).Should().BeTrue();
        document.GetProperty("paths").TryGetProperty("/api/contacts/{id}", out _).Should().BeTrue();
    }

    private Task<HttpResponseMessage> PostRawAsync(string body) =>
        _client.PostAsync("/api/contacts", new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonElement> ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().Should().Be((int)status);
        if (type is not null)
        {
            problem.GetProperty("type").GetString().Should().Be(type);
        }

        return problem;
    }
}
