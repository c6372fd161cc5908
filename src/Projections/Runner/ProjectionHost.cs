using EventSourced.Application.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>Runs every registered projection; each is active on one node at a time.</summary>
public sealed class ProjectionHost(
    IEnumerable<IProjection> projections,
    NpgsqlDataSource dataSource,
    IEventStore store,
    EventTypeRegistry registry,
    ProjectionOptions options,
    ProjectionProgress progress,
    ILoggerFactory loggers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ProjectionSchema.EnsureAsync(dataSource, stoppingToken);
        await Task.WhenAll(projections.Select(p =>
            new ProjectionRunner(p, dataSource, store, registry, options, progress, loggers.CreateLogger($"Projection.{p.Name}")).RunAsync(stoppingToken)));
    }
}
