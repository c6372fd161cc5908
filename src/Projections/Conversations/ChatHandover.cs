using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Deciding;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Conversations;

/// <summary>
/// Hands the open chats of managers who left duty to the managers on duty, in turn, so that no
/// visitor writes to someone who has gone (ADR 0009). It follows the roster's duty changes: a
/// manager leaving hands on their chats, and a manager arriving takes those left behind while
/// nobody was on duty. It follows chats opened and handed over too: one routed or handed to a
/// manager who has left since (as they left, or opened late after a crash) is handed on at once.
/// The chats are read from the read models once they have caught up with the event. Each
/// hand-over names the manager it takes the chat from, so doing it again (after a crash, or on a
/// second node) changes nothing.
/// </summary>
public sealed partial class ChatHandover(
    IEventStore store, EventTypeRegistry registry, CommandHandler handler, ConversationQueries queries, ProjectionProgress progress,
    NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ChatHandover> logger) : Reactor(Definition, store, dataSource, clock, logger)
{
    public static readonly ReactorDefinition Definition = new(
        "chat-handover", EventFilter.ForTypes("manager_went_on_duty", "manager_went_off_duty", "conversation_opened", "conversation_transferred"));

    protected override async Task ReactAsync(RecordedEvent recorded, CancellationToken ct)
    {
        // Most chats open with, or are handed to, a manager on duty (or one who opened it themself): nothing to do.
        var @event = registry.Deserialize(recorded);
        if ((@event is ConversationOpened opened && opened.OpenedBy == opened.ManagerId)
            || (ManagerGivenAChat(@event) is { } manager && (await handler.LoadAsync(DutyRoster.Decider, DutyRoster.StreamId, ct)).State.OnDuty.Contains(manager)))
        {
            return;
        }

        // Who was off duty, and which chats each had, as of this event: every opening and hand-over up to it applied.
        foreach (var readModel in new[] { "managers", "conversations" })
        {
            if (!await progress.WaitForAsync(readModel, recorded.Position, progress.ReadYourWritesTimeout, ct))
            {
                throw new TimeoutException($"The {readModel} read model has not reached position {recorded.Position}, where chats may need handing over.");
            }
        }

        var (roster, _) = await handler.LoadAsync(DutyRoster.Decider, DutyRoster.StreamId, ct);
        // A manager back on duty since keeps their chats.
        var chats = (await queries.OpenChatsOfManagersOffDutyAsync(ct)).Where(c => !roster.OnDuty.Contains(c.ManagerId)).ToList();
        var takers = roster.InTurn(chats.Count);
        if (chats.Count > 0 && takers.Count == 0)
        {
            LogNobodyOnDuty(logger, chats.Count);
            return;
        }

        var context = new CommandContext(Name, recorded.Metadata.CorrelationId ?? recorded.EventId.ToString(), recorded.EventId.ToString());
        for (var n = 0; n < chats.Count; n++)
        {
            var (id, leaver) = chats[n];
            var handOver = new TransferConversation(id, takers[n], ToManagerOnDuty: true, Name, IsOperator: true, Clock.GetUtcNow(), FromManagerId: leaver);
            try
            {
                await handler.HandleAsync(Conversation.Decider, Conversation.StreamId(id), handOver, context, ct: ct);
            }
            catch (DomainException e)
            {
                // Closed since: nothing to hand over, and the rest go on.
                LogNotHandedOver(logger, e, id, leaver);
            }
        }
    }

    private static string? ManagerGivenAChat(object? @event) => @event switch
    {
        ConversationOpened opened => opened.ManagerId,
        ConversationTransferred transferred => transferred.ToManagerId,
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} open chats belong to managers off duty and nobody is on duty: they are handed over when a manager comes on duty")]
    private static partial void LogNobodyOnDuty(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat {ConversationId} of {Manager}, who left duty, was not handed over")]
    private static partial void LogNotHandedOver(ILogger logger, Exception e, Guid conversationId, string manager);
}
