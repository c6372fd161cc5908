using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>A reactor that keeps failing on an event says which, since when and why, and tries it less and less often.</summary>
public sealed class ReactorFailureTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    [Fact]
    public async Task The_event_it_fails_on_shows_in_its_status_until_it_goes_through()
    {
        var node = fixture.Node;
        await ProjectionSchema.EnsureAsync(node.DataSource, CancellationToken.None);
        var category = $"reacting{Guid.NewGuid():N}"[..20];
        var definition = new ReactorDefinition($"test-{category}", EventFilter.ForCategory(category));
        var first = await AppendAsync($"{category}-1");
        var poison = await AppendAsync($"{category}-2");
        var reactor = new FailingReactor(definition, node.Store, node.DataSource, poison);
        var statuses = new ProjectionStatusQueries(node.DataSource, node.Store, [], [definition], TimeProvider.System);

        using var counted = new MeasurementSum("eventsourced.reactor.failures", "reactor", definition.Name);

        await reactor.StartAsync(CancellationToken.None);
        try
        {
            // Two tries at least: the second is counted on the first, since stays the first's.
            await Eventually.HoldsAsync(async () => (await StatusAsync()).Failing is { Attempts: >= 2 }, "the reactor failing twice on the event");
            var stuck = await StatusAsync();
            stuck.Position.Should().Be(first, "the checkpoint stays before the event it fails on");
            stuck.Failing!.Position.Should().Be(poison);
            stuck.Failing.Error.Should().Be("InvalidOperationException: refused on purpose");
            counted.Value.Should().BeGreaterThanOrEqualTo(stuck.Failing.Attempts - 1, "each failed try is counted as it is retried");
            stuck.Failing.Since.Should().BeBefore(DateTimeOffset.UtcNow).And.BeAfter(DateTimeOffset.UtcNow.AddMinutes(-1));

            reactor.Fixed = true;
            await Eventually.HoldsAsync(async () => (await StatusAsync()) is { Failing: null, Position: var at } && at == poison, "the event going through once fixed");
            reactor.ActedOn.Should().Equal(first, poison);
        }
        finally
        {
            await reactor.StopAsync(CancellationToken.None);
        }

        async Task<ReactorStatus> StatusAsync() => (await statuses.ReactorsAsync(CancellationToken.None)).Single();
    }

    [Fact]
    public async Task The_operators_status_command_prints_the_failure_under_its_reactor()
    {
        await ProjectionSchema.EnsureAsync(fixture.Node.DataSource, CancellationToken.None);
        await using (var failing = fixture.Node.DataSource.CreateCommand("""
            INSERT INTO proj.reactor_checkpoints (name, position, failing_position, failure, failing_since, attempts)
            VALUES ('deploy-notifier', 7, 9, 'TimeoutException: the tracker did not answer', '2026-12-05T01:00:00Z', 4)
            ON CONFLICT (name) DO UPDATE SET failing_position = 9, failure = excluded.failure, failing_since = excluded.failing_since, attempts = 4
            """))
        {
            await failing.ExecuteNonQueryAsync();
        }

        var (code, output) = await OperatorCli.RunAsync(fixture.Database.ConnectionString, "projections", "status");

        code.Should().Be(0);
        var lines = output.Split('\n');
        lines.SkipWhile(l => !l.StartsWith("deploy-notifier ")).Skip(1).First()
            .Should().Be("  failing at position 9 since 2026-12-05T01:00:00.0000000+00:00, 4 tries: TimeoutException: the tracker did not answer");
    }

    [Fact]
    public void Each_try_after_a_failure_waits_twice_as_long_up_to_half_a_minute()
    {
        Enumerable.Range(1, 8).Select(n => Reactor.RetryDelay(n).TotalSeconds).Should().Equal(1, 2, 4, 8, 16, 30, 30, 30);
    }

    private async Task<long> AppendAsync(string stream) =>
        (await fixture.Node.Store.AppendAsync(stream, ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "something_happened", "{}", EventMetadata.Empty)])).Position;

    /// <summary>Fails on one event until fixed; records the events it acted on.</summary>
    private sealed class FailingReactor(ReactorDefinition definition, IEventStore store, NpgsqlDataSource dataSource, long failsAt)
        : Reactor(definition, store, dataSource, TimeProvider.System, NullLogger.Instance)
    {
        public volatile bool Fixed;

        public List<long> ActedOn { get; } = [];

        protected override Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
        {
            if (recorded.Position == failsAt && !Fixed)
            {
                throw new InvalidOperationException("refused on purpose");
            }

            ActedOn.Add(recorded.Position);
            return Task.CompletedTask;
        }
    }
}
