using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// A node answers queries as soon as it listens, which on a fresh store can be before its
/// projections have created their schema; a CI run once got a 500 for such a read-your-writes query.
/// </summary>
public sealed class ReadYourWritesOnAFreshStoreTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = new EventTypeRegistry().Register<Happened>("something_happened");

    [Fact]
    public async Task A_wait_for_a_position_before_the_projections_schema_exists_is_not_yet_and_then_is_answered()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var projection = new CountingProjection($"counting_{suffix}", $"cat{suffix}");
        var position = (await fixture.Node.Store.AppendAsync($"cat{suffix}-1", ExpectedVersion.Any, Events.Many(1))).Position;
        var progress = new ProjectionProgress(fixture.Node.DataSource);

        (await progress.WaitForAsync(projection.Name, position, TimeSpan.FromMilliseconds(200), CancellationToken.None)).Should().BeFalse();
        (await progress.ServesAsync(projection.Name, CancellationToken.None)).Should().BeFalse();

        await ProjectionSchema.EnsureAsync(fixture.Node.DataSource, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(projection, fixture.Node.DataSource, fixture.Node.Store, Registry, new ProjectionOptions(), progress, NullLogger.Instance);
        var running = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            (await progress.WaitForAsync(projection.Name, position, Wait.Patience, CancellationToken.None)).Should().BeTrue();
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }
}
