using EventSourced.Application.Commands;
using EventSourced.Application.Deploys;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Deploys;
using EventSourced.Domain.Messages;
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
    NpgsqlDataSource dataSource, TimeProvider clock, ILogger<DeployNotifier> logger) : Reactor(Definition, store, dataSource, clock, logger)
{
    public static readonly ReactorDefinition Definition = new("deploy-notifier", EventFilter.ForCategory("deploys"));

    protected override async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        if (registry.Deserialize(recorded) is not DeployStatusReported { Handlers.Count: > 0 } deploy)
        {
            return;
        }

        var context = new CommandContext(Name, recorded.Metadata.CorrelationId ?? recorded.EventId.ToString(), recorded.EventId.ToString());
        foreach (var notification in DeployNotifications.For(recorded.EventId, deploy, templates, options, Clock.GetUtcNow()))
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
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The deploy at position {Position} could not schedule notification {MessageId}; it is skipped")]
    private static partial void LogRefused(ILogger logger, Exception e, long position, Guid messageId);
}
