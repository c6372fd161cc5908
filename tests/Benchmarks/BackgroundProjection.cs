using EventSourced.Application.EventStore;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>A read model kept up to date while a benchmark runs, as a node of the service keeps it; stopped when disposed.</summary>
internal sealed class BackgroundProjection : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public BackgroundProjection(IProjection projection, NpgsqlDataSource dataSource, IEventStore store, EventTypeRegistry registry)
    {
        var runner = new ProjectionRunner(projection, dataSource, store, registry, new ProjectionOptions(), new ProjectionProgress(dataSource), NullLogger.Instance);
        _running = Task.Run(() => runner.RunAsync(_stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}
