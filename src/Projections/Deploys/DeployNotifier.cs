using EventSourced.Application.Commands;
using EventSourced.Application.Deploys;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Deploys;
using EventSourced.Domain.Messages;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EventSourced.Projections.Runner;
using Npgsql;

namespace EventSourced.Projections.Deploys;

/// <summary>
/// Reacts to reported deploys by scheduling their handlers' notifications, which the delivery
/// saga then sends, retries and lists when failed. It follows the deploy streams from a
/// checkpoint saved after each deploy's notifications are scheduled; as notification ids follow
/// from the deploy event, a crash in between (or a second node doing the same) schedules
/// nothing twice.
/// </summary>
public sealed partial class DeployNotifier(
    IEventStore store, EventTypeRegistry registry, CommandHandler handler, IDeployTemplates templates, DeployNotificationOptions options,
    NpgsqlDataSource dataSource, TimeProvider clock, ILogger<DeployNotifier> logger) : BackgroundService
{
    private const string Name = "deploy-notifier";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be away: start again from the checkpoint soon.
                LogFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    private async Task FollowAsync(CancellationToken ct)
    {
        await ProjectionSchema.EnsureAsync(dataSource, ct);

        var checkpoint = (await dataSource.QueryAsync("SELECT position FROM proj.reactor_checkpoints WHERE name = $1", r => r.GetInt64(0), ct, Name))
            .DefaultIfEmpty(0).Single();
        await foreach (var recorded in store.SubscribeToAllAsync(checkpoint, EventFilter.ForCategory("deploys"), ct))
        {
            if (registry.Deserialize(recorded) is not DeployStatusReported { Handlers.Count: > 0 } deploy)
            {
                continue;
            }

            var context = new CommandContext("deploy-notifier", recorded.Metadata.CorrelationId ?? recorded.EventId.ToString(), recorded.EventId.ToString());
            foreach (var notification in DeployNotifications.For(recorded.EventId, deploy, templates, options, clock.GetUtcNow()))
            {
                try
                {
                    await handler.HandleAsync(Message.Decider, Message.StreamId(notification.MessageId), notification, context, ct: ct);
                }
                catch (DomainException e)
                {
                    // Refused for good (it will be refused again): logged and passed, so one deploy cannot stall the rest.
                    LogRefused(logger, e, recorded.Position, notification.MessageId);
                }
            }

            await using var save = dataSource.CreateCommand(
                "INSERT INTO proj.reactor_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position");
            save.Parameters.AddWithValue(Name);
            save.Parameters.AddWithValue(recorded.Position);
            await save.ExecuteNonQueryAsync(ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The deploy at position {Position} could not schedule notification {MessageId}; it is skipped")]
    private static partial void LogRefused(ILogger logger, Exception e, long position, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deploy notifications could not be scheduled; starting again from the checkpoint")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
