using EventSourced.Application.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>Runs every registered projection; each is active on one node at a time.</summary>
public sealed partial class ProjectionHost(
    IEnumerable<IProjection> projections,
    NpgsqlDataSource dataSource,
    IEventStore store,
    EventTypeRegistry registry,
    ProjectionOptions options,
    ProjectionProgress progress,
    ILoggerFactory loggers,
    ILogger<ProjectionHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await EnsureSchemaAsync(stoppingToken);
        await Task.WhenAll(projections.Select(p =>
            new ProjectionRunner(p, dataSource, store, registry, options, progress, loggers.CreateLogger($"Projection.{p.Name}")).RunAsync(stoppingToken)));
    }

    /// <summary>
    /// Until it is done: a failure here would end this service, and the host with it (.NET stops a
    /// host whose background service throws), for what is most often a database briefly away.
    /// </summary>
    private async Task EnsureSchemaAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await ProjectionSchema.EnsureAsync(dataSource, ct);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                LogSchemaFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not create the projections' tables; trying again")]
    private static partial void LogSchemaFailed(ILogger logger, Exception exception);
}
