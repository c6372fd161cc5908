using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Application.Conversations;
using EventSourced.Domain.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Conversations;

/// <summary>Site chat: visitors and on-duty managers. Whoever takes no part in a conversation gets 404 for it.</summary>
public static class ConversationEndpoints
{
    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPut("/api/managers/{id}/duty", SetDutyAsync).WithTags("Conversations").WithName("SetManagerDuty")
            .WithSummary("Puts a manager on or off duty (the manager themself, or an operator).")
            .RequireAuthorization(p => p.RequireRole(Roles.Manager, Roles.Operator));

        var chats = routes.MapGroup("/api/conversations").WithTags("Conversations").RequireAuthorization(AuthExtensions.ChatParticipant).RequireCors(ChatSites.Policy);
        chats.MapPost("/", OpenAsync).WithName("OpenConversation")
            .WithSummary("Opens the visitor's chat with the next on-duty manager, or returns the one already open.");
        chats.MapPost("/{id:guid}/messages", PostAsync).WithName("PostChatMessage")
            .WithSummary("Posts a message; moderation may reject it (422), and either outcome is recorded.");
        chats.MapPost("/{id:guid}/messages/{messageId:guid}/read", MarkReadAsync).WithName("MarkChatMessagesRead")
            .WithSummary("Marks every message up to this one as read by the caller.");
        chats.MapPost("/{id:guid}/messages/{messageId:guid}/hide", HideAsync).WithName("HideChatMessage")
            .WithSummary("Hides a message for the caller, or for everyone (moderators).");
        chats.MapPost("/{id:guid}/transfer", TransferAsync).WithName("TransferConversation")
            .WithSummary("Hands the chat to another manager on duty (its manager, or an operator); they take part from now on.")
            .RequireAuthorization(p => p.RequireRole(Roles.Manager, Roles.Operator));
        chats.MapPost("/{id:guid}/close", CloseAsync).WithName("CloseConversation")
            .WithSummary("Closes the conversation; closing again changes nothing.");
        return routes;
    }

    private static async Task<Results<Ok<DutyResponse>, ValidationProblem, ProblemHttpResult>> SetDutyAsync(
        string id, SetDutyRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        if (request.OnDuty is not { } onDuty)
        {
            return Problems.Invalid("onDuty", "onDuty (true or false) is required.");
        }

        if (id != http.Subject() && !http.User.IsInRole(Roles.Operator))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the manager themself or an operator may change their duty", type: Problems.Forbidden);
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var result = await handler.HandleAsync(DutyRoster.Decider, DutyRoster.StreamId, new SetDuty(id, onDuty, clock.GetUtcNow()), context, ct: ct);
        return TypedResults.Ok(new DutyResponse(id, result.State.OnDuty.Contains(id), result.Position));
    }

    private static async Task<Results<Created<ConversationResponse>, Ok<ConversationResponse>, ValidationProblem, ProblemHttpResult>> OpenAsync(
        OpenConversationRequest? request, HttpContext http, ConversationOpening opening, IConfiguration configuration, TimeProvider clock, CancellationToken ct)
    {
        var byManager = http.User.IsInRole(Roles.Manager);
        // A visitor's widget opens its own chat with no body at all.
        var visitorId = byManager ? request?.VisitorId : request?.VisitorId ?? http.Subject();
        if (string.IsNullOrWhiteSpace(visitorId) || visitorId.Length > 200)
        {
            return Problems.Invalid("visitorId", "A manager names the visitor to chat with.");
        }

        if (!byManager && visitorId != http.Subject())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: Problems.Forbidden, title: "A visitor opens only their own chat.");
        }

        try
        {
            var context = CorrelationMiddleware.CommandContextOf(http);
            var opened = await opening.OpenAsync(visitorId, http.Subject(), byManager, context, IdempotencyMiddleware.NewId(http), clock.GetUtcNow(), ct);
            var c = opened.Conversation;
            var body = new ConversationResponse(c.Id, c.VisitorId, c.ManagerId, c.Status.ToString().ToLowerInvariant(), opened.Position);
            return opened.IsNew ? TypedResults.Created($"/api/conversations/{c.Id}", body) : TypedResults.Ok(body);
        }
        catch (ChatOfflineException e)
        {
            return TypedResults.Problem(
                detail: e.Message, statusCode: StatusCodes.Status409Conflict, title: "Chat is offline", type: Problems.DomainRule(e.Code),
                extensions: new Dictionary<string, object?> { ["offlineMessage"] = configuration["Chat:OfflineMessage"] ?? "We are offline now; please come back later." });
        }
    }

    private static async Task<Results<Created<ChatMessagePostedResponse>, ValidationProblem, ProblemHttpResult>> PostAsync(
        Guid id, PostChatMessageRequest request, HttpContext http, CommandHandler handler, IChatModeration moderation, TimeProvider clock, CancellationToken ct)
    {
        if (Conversation.ContentProblem(request.Content) is { } problem)
        {
            return Problems.Invalid("content", problem);
        }

        var sender = http.Subject();
        var stream = Conversation.StreamId(id);
        // Managers chat as managers and everyone else as a visitor; the decider still checks that the sender takes part.
        var role = http.User.IsInRole(Roles.Manager) ? ChatRole.Manager : ChatRole.Visitor;
        var rejection = moderation.RejectionReason(request.Content!, role);

        var context = CorrelationMiddleware.CommandContextOf(http);
        var messageId = IdempotencyMiddleware.NewId(http);
        var result = await handler.HandleAsync(Conversation.Decider, stream, new PostChatMessage(id, messageId, sender, request.Content!, rejection, clock.GetUtcNow()), context, ct: ct);
        if (rejection is not null)
        {
            return TypedResults.Problem(
                detail: $"The message was not posted: {rejection}.", statusCode: StatusCodes.Status422UnprocessableEntity, title: "The message was rejected by moderation",
                type: Problems.DomainRule("chat_message_rejected"), extensions: new Dictionary<string, object?> { ["reason"] = rejection, ["messageId"] = messageId });
        }

        return TypedResults.Created($"/api/conversations/{id}/messages/{messageId}", new ChatMessagePostedResponse(id, messageId, result.Position));
    }

    private static Task<Ok<ConversationChangedResponse>> MarkReadAsync(Guid id, Guid messageId, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        HandleAsync(http, handler, new MarkRead(id, http.Subject(), messageId, clock.GetUtcNow()), ct);

    private static Task<Ok<ConversationChangedResponse>> HideAsync(
        Guid id, Guid messageId, HideChatMessageRequest? request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        HandleAsync(http, handler, new HideChatMessage(id, messageId, http.Subject(), request?.ForEveryone ?? false, http.User.IsInRole(Roles.Operator), clock.GetUtcNow()), ct);

    private static async Task<Results<Ok<ConversationChangedResponse>, ValidationProblem>> TransferAsync(
        Guid id, TransferConversationRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.ManagerId) || request.ManagerId.Length > 200)
        {
            return Problems.Invalid("managerId", "The manager to hand the chat to is required.");
        }

        var (roster, _) = await handler.LoadAsync(DutyRoster.Decider, DutyRoster.StreamId, ct);
        var transfer = new TransferConversation(
            id, request.ManagerId, roster.OnDuty.Contains(request.ManagerId), http.Subject(), http.User.IsInRole(Roles.Operator), clock.GetUtcNow());
        return await HandleAsync(http, handler, transfer, ct);
    }

    private static Task<Ok<ConversationChangedResponse>> CloseAsync(Guid id, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        HandleAsync(http, handler, new CloseConversation(id, http.Subject(), clock.GetUtcNow()), ct);

    private static async Task<Ok<ConversationChangedResponse>> HandleAsync(HttpContext http, CommandHandler handler, IConversationCommand command, CancellationToken ct)
    {
        var context = CorrelationMiddleware.CommandContextOf(http);
        var result = await handler.HandleAsync(Conversation.Decider, Conversation.StreamId(command.ConversationId), command, context, ct: ct);
        return TypedResults.Ok(new ConversationChangedResponse(command.ConversationId, result.Position));
    }
}
