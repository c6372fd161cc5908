using System.Text.Json.Nodes;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;

namespace EventSourced.Api.Faye;

/// <summary>
/// The chat's events, as the seed's Faye server published them, to every Bayeux client listening:
/// one store subscription for the node, fanned out in memory. A transport, not a second source of
/// truth: the events come from the same store the server-sent events read.
/// </summary>
public sealed partial class BayeuxFeed(IEventStore store, EventTypeRegistry registry, BayeuxClients clients, ILogger<BayeuxFeed> logger) : BackgroundService
{
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var forgetting = ForgetIdleAsync(stoppingToken);
        // From now: a Bayeux client gets what happens while it is connected (docs/adr/0023).
        var after = await LastPositionAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var recorded in store.SubscribeToAllAsync(after, EventFilter.ForCategory("conversation"), stoppingToken))
                {
                    Publish(recorded);
                    after = recorded.Position;
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFeedFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }

        await forgetting;
    }

    private async Task<long> LastPositionAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await store.LastPositionAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                LogFeedFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private void Publish(RecordedEvent recorded)
    {
        foreach (var (channel, data) in Messages(registry.Deserialize(recorded), recorded.Position))
        {
            var message = new JsonObject { ["channel"] = channel, ["data"] = data, ["id"] = recorded.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var client in clients.All.Where(c => c.Listens(channel)))
            {
                client.Enqueue((JsonObject)message.DeepClone());
            }
        }
    }

    private static IEnumerable<(string Channel, JsonObject Data)> Messages(object? @event, long position)
    {
        switch (@event)
        {
            case ConversationOpened e:
                // Managers hear it too, on /service/*.
                yield return ($"/service/{e.VisitorId}", ChatOnService("opened", e.ConversationId, e.VisitorId, e.ManagerId, position));
                break;
            case ChatMessagePosted e:
                var message = new JsonObject
                {
                    ["id"] = e.MessageId, ["conversationId"] = e.ConversationId, ["senderId"] = e.SenderId,
                    ["senderRole"] = e.SenderRole.ToString().ToLowerInvariant(), ["content"] = e.Content, ["createdAt"] = e.PostedAt,
                };
                yield return ($"/conversations/{e.ConversationId}", new JsonObject { ["entity"] = "message", ["action"] = "created", ["message"] = message });
                // The message names its visitor: a node started after the chat opened, a deploy,
                // notifies them too (it learned them from the opening before, which it never saw).
                if (e is { SenderRole: ChatRole.Manager, VisitorId: { } visitor })
                {
                    yield return ($"/notifications/{visitor}", new JsonObject { ["entity"] = "notification", ["action"] = "message", ["message"] = message.DeepClone() });
                }

                break;
            case ChatMessagesRead e:
                yield return ($"/conversations/{e.ConversationId}", new JsonObject
                {
                    ["entity"] = "message", ["action"] = "read", ["conversationId"] = e.ConversationId, ["readerId"] = e.ReaderId, ["upToMessageId"] = e.UpToMessageId, ["readAt"] = e.ReadAt,
                });
                break;
            case ChatMessageHidden { HiddenFor: null } e:
                yield return ($"/conversations/{e.ConversationId}", new JsonObject { ["entity"] = "message", ["action"] = "hidden", ["conversationId"] = e.ConversationId, ["messageId"] = e.MessageId });
                break;
            case ConversationTransferred e:
                yield return ($"/conversations/{e.ConversationId}", new JsonObject
                {
                    ["entity"] = "conversation", ["action"] = "transferred",
                    ["conversation"] = new JsonObject { ["id"] = e.ConversationId, ["managerId"] = e.ToManagerId, ["previousManagerId"] = e.FromManagerId },
                });
                // Managers hear it on /service/* as they hear a chat opened: the desk of the one
                // who now has it lists it (a hand-over when a manager leaves duty comes unasked).
                if (e.VisitorId is { } visitorId)
                {
                    var handed = ChatOnService("transferred", e.ConversationId, visitorId, e.ToManagerId, position);
                    handed["conversation"]!["previousManagerId"] = e.FromManagerId;
                    yield return ($"/service/{visitorId}", handed);
                }

                break;
            case ConversationClosed e:
                yield return ($"/conversations/{e.ConversationId}", new JsonObject { ["entity"] = "conversation", ["action"] = "closed", ["conversation"] = new JsonObject { ["id"] = e.ConversationId } });
                break;
        }
    }

    // With the event's position, as the open's response has it: a client that joins the chat from
    // this push reads its history with ?minPosition=, and a push can come before the read model
    // has the chat (it did, on a busy machine: the history read said the chat did not exist).
    private static JsonObject ChatOnService(string action, Guid id, string visitorId, string managerId, long position) => new()
    {
        ["entity"] = "conversation",
        ["action"] = action,
        ["conversation"] = new JsonObject { ["id"] = id, ["visitorId"] = visitorId, ["managerId"] = managerId, ["position"] = position },
    };

    private async Task ForgetIdleAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Sweep);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                clients.ForgetIdle();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Bayeux feed lost the event store; it goes on from where it was")]
    private static partial void LogFeedFailed(ILogger logger, Exception e);
}
