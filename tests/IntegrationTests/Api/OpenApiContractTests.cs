using System.Text.Json;
using System.Text.Encodings.Web;
using EventSourced.IntegrationTests.Support;
using EventSourced.TestSupport;

namespace EventSourced.IntegrationTests.Api;

/// <summary>The OpenAPI document is a contract with clients: it may only change deliberately (UPDATE_SNAPSHOTS=1).</summary>
public sealed class OpenApiContractTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task The_served_openapi_document_matches_its_golden_file()
    {
        var document = await api.CreateClient().GetStringAsync("/openapi/v1.json");

        GoldenFile.ShouldMatch(JsonSerializer.Serialize(JsonDocument.Parse(document), Indented), "openapi/v1.json");
    }
}
