using EventSourced.Application.Commands;
using EventSourced.Domain.Conversations;

namespace EventSourced.Application.Conversations;

/// <summary>
/// Opens a visitor's conversation, or returns the one already open. Three streams take part:
/// the visitor's pointer (one open conversation per visitor, by expected version), the duty
/// roster (whose turn it is) and the conversation itself. The pointer is written before the
/// conversation, and carries all it needs, so a crash between the two is repaired by the next
/// open: the conversation is then opened from the pointer.
/// </summary>
public sealed class ConversationOpening(CommandHandler handler)
{
    private const int Attempts = 3;

    /// <param name="requestedBy">The visitor, or a manager who will be the counterpart.</param>
    public async Task<OpenedConversation> OpenAsync(string visitorId, string requestedBy, bool byManager, CommandContext context, Guid newConversationId, DateTimeOffset at, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryOpenAsync(visitorId, requestedBy, byManager, context, newConversationId, at, ct);
            }
            catch (EventStore.WrongExpectedVersionException) when (attempt < Attempts)
            {
                // Someone else opened one for this visitor meanwhile: look again.
            }
        }
    }

    private async Task<OpenedConversation> TryOpenAsync(string visitorId, string requestedBy, bool byManager, CommandContext context, Guid newConversationId, DateTimeOffset at, CancellationToken ct)
    {
        var visitorStream = VisitorChats.StreamId(visitorId);
        var (visitor, visitorVersion) = await handler.LoadAsync(VisitorChats.Decider, visitorStream, ct);
        if (visitor is { LatestConversationId: { } latestId, LatestManagerId: { } latestManager })
        {
            var opened = await OpenConversationAsync(latestId, visitorId, latestManager, requestedBy, context, at, ct);
            if (opened.State.Status == ConversationStatus.Open)
            {
                if (byManager && opened.State.ManagerId != requestedBy)
                {
                    throw new ChatAlreadyOpenWithAnotherManagerException(visitorId);
                }

                return new OpenedConversation(opened.State, IsNew: opened.Position is not null, opened.Position);
            }
        }

        var managerId = byManager ? requestedBy : await RouteAsync(newConversationId, visitorId, context, at, ct);
        await handler.HandleAsync(
            VisitorChats.Decider, visitorStream, new StartVisitorConversation(visitorId, newConversationId, managerId, requestedBy, at), context, visitorVersion, ct: ct);
        var conversation = await OpenConversationAsync(newConversationId, visitorId, managerId, requestedBy, context, at, ct);
        return new OpenedConversation(conversation.State, IsNew: true, conversation.Position);
    }

    private async Task<string> RouteAsync(Guid conversationId, string visitorId, CommandContext context, DateTimeOffset at, CancellationToken ct)
    {
        var routed = await handler.HandleAsync(DutyRoster.Decider, DutyRoster.StreamId, new RouteConversation(conversationId, visitorId, at), context, ct: ct);
        return routed.State.LastRoutedTo!;
    }

    private Task<CommandResult<Conversation>> OpenConversationAsync(Guid id, string visitorId, string managerId, string openedBy, CommandContext context, DateTimeOffset at, CancellationToken ct) =>
        handler.HandleAsync(Conversation.Decider, Conversation.StreamId(id), new OpenConversation(id, visitorId, managerId, openedBy, at), context, ct: ct);
}

/// <param name="IsNew">False when the visitor's open conversation was returned as it was.</param>
/// <param name="Position">Global position of the last event appended, null when nothing was.</param>
public sealed record OpenedConversation(Conversation Conversation, bool IsNew, long? Position);
