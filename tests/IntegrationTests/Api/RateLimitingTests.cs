using System.Net;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;

namespace EventSourced.IntegrationTests.Api;

/// <summary>Each caller has its own allowance; past it, 429 problem+json with Retry-After, and nobody else is slowed.</summary>
public sealed class RateLimitingTests(RateLimitingTests.TightApi api) : IClassFixture<RateLimitingTests.TightApi>
{
    [Fact]
    public async Task A_caller_past_its_burst_gets_429_problems_while_another_caller_and_health_checks_go_through()
    {
        var alice = api.ClientFor("alice");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12; i++)
        {
            var response = await alice.GetAsync("/api/contacts");
            statuses.Add(response.StatusCode);
            limited ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        statuses.Take(3).Should().NotContain(HttpStatusCode.TooManyRequests, "the burst is 3");
        limited.Should().NotBeNull();
        await limited!.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "urn:eventsourced:problem:too-many-requests");
        limited!.Headers.RetryAfter!.Delta.Should().BeGreaterThan(TimeSpan.Zero);
        (await api.ClientFor("bob").GetAsync("/api/contacts")).StatusCode.Should().NotBe(HttpStatusCode.TooManyRequests);
        (await alice.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public sealed class TightApi : EmptyStoreApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("RateLimiting:PermitsPerSecond", "1");
            builder.UseSetting("RateLimiting:Burst", "3");
        }
    }
}
