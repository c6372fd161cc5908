using System.Collections.Concurrent;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

public sealed class ConcurrencyTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private const int Writers = 16;
    private const int Attempts = 10_000;

    [Fact]
    public async Task Sixteen_writers_on_one_stream_with_exact_versions_get_exactly_one_winner_per_version()
    {
        var store = fixture.Node.Store;
        var stream = Events.NewStream("contended");
        var winners = new ConcurrentDictionary<long, Guid>();
        var duplicateWins = 0;
        var conflicts = 0;
        var attempts = 0;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref attempts) <= Attempts)
            {
                var last = await store.ReadStreamAsync(stream, ReadDirection.Backward, long.MaxValue, 1);
                var version = last.Count == 0 ? -1 : last[0].StreamVersion;
                var proposed = Events.One();
                try
                {
                    var result = await store.AppendAsync(stream, ExpectedVersion.From(version), [proposed]);
                    result.NextVersion.Should().Be(version + 1);
                    if (!winners.TryAdd(result.NextVersion, proposed.EventId))
                    {
                        Interlocked.Increment(ref duplicateWins);
                    }
                }
                catch (WrongExpectedVersionException e)
                {
                    e.ActualVersion.Should().BeGreaterThan(version);
                    Interlocked.Increment(ref conflicts);
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(5));

        var stored = await ReadWholeStreamAsync(stream);
        duplicateWins.Should().Be(0);
        (winners.Count + conflicts).Should().Be(Attempts);
        conflicts.Should().BePositive("sixteen writers on one stream must collide");
        stored.Select(e => e.StreamVersion).Should().Equal(Enumerable.Range(0, winners.Count).Select(v => (long)v));
        stored.Should().AllSatisfy(e => e.EventId.Should().Be(winners[e.StreamVersion]));
    }

    private async Task<List<RecordedEvent>> ReadWholeStreamAsync(string stream)
    {
        var all = new List<RecordedEvent>();
        while (true)
        {
            var page = await fixture.Node.Store.ReadStreamAsync(stream, ReadDirection.Forward, all.Count, 1000);
            all.AddRange(page);
            if (page.Count < 1000)
            {
                return all;
            }
        }
    }
}
