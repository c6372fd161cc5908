using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace EventSourced.IntegrationTests.Api;

/// <summary>The host's OpenTelemetry pipeline carries the product's, the database client's and the runtime's meters, and a command's trace from HTTP to append.</summary>
public sealed class TelemetryTests(TelemetryTests.ObservedApi api) : IClassFixture<TelemetryTests.ObservedApi>
{
    [Fact]
    public async Task A_command_is_traced_from_the_request_to_its_append_and_counted_with_its_projections_lag()
    {
        var trace = ActivityTraceId.CreateRandom();
        var client = api.ClientFor("alice");
        client.DefaultRequestHeaders.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");

        var created = await (await client.PostAsJsonAsync("/api/contacts", new { name = "Traced", telegram = "@traced_user" })).JsonAsync(HttpStatusCode.Created);
        await (await client.GetAsync($"/api/contacts?minPosition={created.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        api.Services.GetRequiredService<MeterProvider>().ForceFlush();
        api.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var spans = api.Spans.Where(a => a.TraceId == trace).Select(a => a.DisplayName).ToList();
        spans.Should().Contain("append contacts").And.Contain(s => s.StartsWith("POST", StringComparison.Ordinal));
        var metrics = api.Metrics.Select(m => m.Name).ToHashSet();
        metrics.Should().Contain(["eventsourced.events.appended", "eventsourced.command.duration", "eventsourced.projection.lag", "http.server.request.duration"]);
        metrics.Should().Contain(["db.client.connection.count", "db.client.operation.duration"], "the database pool's use and each command's time");
        metrics.Should().Contain(["dotnet.thread_pool.queue.length", "dotnet.gc.collections"], "the runtime's");
    }

    /// <summary>The API with in-memory exporters beside whatever the product configures.</summary>
    public sealed class ObservedApi : EmptyStoreApi
    {
        public List<Metric> Metrics { get; } = [];

        public List<Activity> Spans { get; } = [];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddOpenTelemetry()
                .WithMetrics(m => m.AddInMemoryExporter(Metrics))
                .WithTracing(t => t.AddInMemoryExporter(Spans)));
        }
    }
}
