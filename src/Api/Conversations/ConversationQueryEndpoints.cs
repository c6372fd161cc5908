using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Domain.Conversations;
using EventSourced.Projections.Conversations;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Conversations;

/// <summary>Conversations as each participant sees them; operators see all.</summary>
public static class ConversationQueryEndpoints
{
    private const int DefaultMaxPage = 50;

    /// <summary>The most conversations a list holds, and how many it holds unless asked for fewer.</summary>
    private const int MaxListed = 200;

    public static IEndpointRouteBuilder MapConversationQueryEndpoints(this IEndpointRouteBuilder routes)
    {
        var chats = routes.MapGroup("/api/conversations").WithTags("Conversations").RequireAuthorization(AuthExtensions.ChatParticipant).RequireCors(ChatSites.Policy);
        chats.MapGet("/", ListAsync).WithName("ListConversations")
            .WithSummary("The caller's conversations (all, for operators) with unread counts, by visitor, manager and status (open, closed), "
                + "latest activity first; limit (1 to 200), and beforeId (the last one listed) pages back.");
        chats.MapGet("/{id:guid}/messages", MessagesAsync).WithName("ListChatMessages")
            .WithSummary("Messages newest first: count (default and maximum: Chat:MaxPageSize), sinceId (exclusive, newer ones), beforeId (older history).");
        chats.MapGet("/{id:guid}/history", HistoryAsync).WithName("GetConversationHistory")
            .WithSummary("The conversation as it was at a stream version (asOf=3) or a moment, without what was hidden from the caller.");
        routes.MapGet("/api/managers", ManagersAsync).WithTags("Conversations").WithName("ListManagers")
            .WithSummary("Managers, whether on duty, and how many open conversations each has.")
            .RequireAuthorization(p => p.RequireRole(Roles.Manager, Roles.Operator));
        return routes;
    }

    private static async Task<Results<Ok<IReadOnlyList<ConversationRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpContext http, ConversationQueries queries, ProjectionProgress progress, CancellationToken ct,
        string? visitorId = null, string? managerId = null, string? status = null, int limit = MaxListed, Guid? beforeId = null, long? minPosition = null)
    {
        if (limit is < 1 or > MaxListed)
        {
            return Problems.Invalid("limit", $"limit is 1 to {MaxListed}.");
        }

        if (Problems.NotOneOf("status", status, ConversationsProjection.Statuses) is { } unknownStatus)
        {
            return unknownStatus;
        }

        if (await ReadYourWrites.LaggingAsync(progress, "conversations", minPosition, ct) is { } lagging)
        {
            return lagging;
        }

        var onlyTheirs = !http.User.IsInRole(Roles.Operator);
        return TypedResults.Ok(await queries.ListAsync(http.Subject(), onlyTheirs, new ConversationFilter(visitorId, managerId, status), limit, beforeId, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<ChatMessageRow>>, ValidationProblem, ProblemHttpResult>> MessagesAsync(
        Guid id, HttpContext http, ConversationQueries queries, ProjectionProgress progress, IConfiguration configuration, CancellationToken ct,
        int? count = null, Guid? sinceId = null, Guid? beforeId = null, long? minPosition = null)
    {
        var maxPage = configuration.GetValue("Chat:MaxPageSize", DefaultMaxPage);
        if (count is < 1 || count > maxPage)
        {
            return Problems.Invalid("count", $"count is 1 to {maxPage}.");
        }

        if (await ReadYourWrites.LaggingAsync(progress, "conversations", minPosition, ct) is { } lagging)
        {
            return lagging;
        }

        var viewer = http.Subject();
        var participants = await queries.ParticipantsAsync(id, ct);
        if (participants is not { } p || (p.VisitorId != viewer && p.ManagerId != viewer && !http.User.IsInRole(Roles.Operator)))
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"Conversation {id} does not exist.");
        }

        return TypedResults.Ok(await queries.MessagesAsync(id, viewer, count ?? maxPage, sinceId, beforeId, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<ManagerRow>>, ProblemHttpResult>> ManagersAsync(
        ConversationQueries queries, ProjectionProgress progress, CancellationToken ct, long? minPosition = null) =>
        await ReadYourWrites.LaggingAsync(progress, "managers", minPosition, ct) is { } lagging ? lagging : TypedResults.Ok(await queries.ManagersAsync(ct));

    private static async Task<Results<Ok<ConversationAsOfResponse>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        Guid id, string? asOf, HttpContext http, CommandHandler handler, CancellationToken ct)
    {
        if (!AsOf.TryParse(asOf, out var point))
        {
            return Problems.Invalid("asOf", AsOf.Problem);
        }

        var viewer = http.Subject();
        var (chat, version) = await handler.LoadUntilAsync(Conversation.Decider, Conversation.StreamId(id), point.Includes, ct);
        if (!chat.IsParticipant(viewer) && !(http.User.IsInRole(Roles.Operator) && chat.Status != ConversationStatus.None))
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"Conversation {id} did not exist then.");
        }

        IReadOnlyList<PostedMessage> visible = [.. chat.Messages.Where(m => m.IsVisibleTo(viewer))];
        return TypedResults.Ok((chat, version, visible).ToResponse<ConversationAsOfResponse>());
    }
}
