using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Application.Messages;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Messages;

public static class MessageEndpoints
{
    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder routes)
    {
        var messages = routes.MapGroup("/api/messages").WithTags("Messages").RequireAuthorization(Roles.User);

        messages.MapPost("/", ScheduleAsync).WithName("ScheduleMessage")
            .WithSummary("Schedules a message to contacts (by id or name) and the members of groups (by id or name) over every messenger they have; 202, delivery follows.");
        messages.MapGet("/", ListAsync).WithName("ListMessages")
            .WithSummary("The caller's messages, newest first, optionally by status (scheduled: its time is ahead; sending; done: every delivery ended, however; cancelled), by a group it was sent to (groupId) and by a contact it was sent to (contactId, even if since taken off it); beforeId (the last one listed) pages back.");
        messages.MapGet("/{id:guid}", GetAsync).WithName("GetMessage")
            .WithSummary("A message with each recipient's delivery status per channel.");
        messages.MapGet("/{id:guid}/history", HistoryAsync).WithName("GetMessageHistory")
            .WithSummary("The message as it was at a stream version (asOf=1) or a moment (asOf=2026-11-22T06:00:00Z).");
        messages.MapPatch("/{id:guid}", EditAsync).WithName("EditMessage")
            .WithSummary("Changes a message's text and/or time (notBefore; null sends it now) while it waits for its time; once it is going out, 409.");
        messages.MapPost("/{id:guid}/recipients", AddRecipientsAsync).WithName("AddMessageRecipients")
            .WithSummary("Adds contacts (by id or name) and the members of groups (by id or name) to a message while it waits for its time, each over every messenger it has; those on it already stay. Once it is going out, 409.");
        messages.MapPost("/{id:guid}/recipients/remove", RemoveRecipientsAsync).WithName("RemoveMessageRecipients")
            .WithSummary("Takes contacts (by id or name) off a message while it waits for its time: their deliveries are cancelled; those not on it are passed over. Taking every one off is refused (cancel the message). Once it is going out, 409.");
        messages.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelMessage")
            .WithSummary("Cancels a message before it is sent; cancelling again changes nothing.");
        return routes;
    }

    private static async Task<Results<Accepted<MessageAcceptedResponse>, ValidationProblem>> ScheduleAsync(
        ScheduleMessageRequest request, HttpContext http, RecipientResolver recipients, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var contacts = new IdsOrNames(request.ContactIds ?? [], request.ContactNames ?? []);
        var groups = new IdsOrNames(request.GroupIds ?? [], request.GroupNames ?? []);
        var problems = RecipientProblems(contacts, groups);
        if (TextProblem(request.Text, request.AsWritten) is { } textProblem)
        {
            problems["text"] = [textProblem];
        }

        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var owner = http.Subject();
        var (resolved, named) = await recipients.ResolveAsync(owner, contacts, groups, ct);
        var context = CorrelationMiddleware.CommandContextOf(http);
        var id = IdempotencyMiddleware.NewId(http);
        var command = new ScheduleMessage(id, owner, request.Text!, request.NotBefore, resolved, context.Actor, clock.GetUtcNow(), named);
        var result = await handler.HandleAsync(Message.Decider, Message.StreamId(id), command, context, ct: ct);
        return TypedResults.Accepted($"/api/messages/{id}", new MessageAcceptedResponse(id, result.Position));
    }

    private static async Task<Results<Ok<MessageAcceptedResponse>, ValidationProblem>> AddRecipientsAsync(
        Guid id, AddRecipientsRequest request, HttpContext http, RecipientResolver recipients, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var contacts = new IdsOrNames(request.ContactIds ?? [], request.ContactNames ?? []);
        var groups = new IdsOrNames(request.GroupIds ?? [], request.GroupNames ?? []);
        if (RecipientProblems(contacts, groups) is { Count: > 0 } problems)
        {
            return Problems.Invalid(problems);
        }

        var owner = http.Subject();
        var (resolved, named) = await recipients.ResolveAsync(owner, contacts, groups, ct);
        var context = CorrelationMiddleware.CommandContextOf(http);
        var result = await handler.HandleAsync(Message.Decider, Message.StreamId(id), new AddRecipients(id, owner, resolved, named, context.Actor, clock.GetUtcNow()), context, ct: ct);
        return TypedResults.Ok(new MessageAcceptedResponse(id, result.Position));
    }

    private static async Task<Results<Ok<MessageAcceptedResponse>, ValidationProblem>> RemoveRecipientsAsync(
        Guid id, RemoveRecipientsRequest request, HttpContext http, RecipientResolver recipients, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var contacts = new IdsOrNames(request.ContactIds ?? [], request.ContactNames ?? []);
        if (RecipientProblems(contacts, IdsOrNames.None, "contactIds and/or contactNames") is { Count: > 0 } problems)
        {
            return Problems.Invalid(problems);
        }

        var owner = http.Subject();
        var ids = await recipients.ContactIdsAsync(owner, contacts, ct);
        var context = CorrelationMiddleware.CommandContextOf(http);
        var result = await handler.HandleAsync(Message.Decider, Message.StreamId(id), new RemoveRecipients(id, owner, ids, context.Actor, clock.GetUtcNow()), context, ct: ct);
        return TypedResults.Ok(new MessageAcceptedResponse(id, result.Position));
    }

    private static Dictionary<string, string[]> RecipientProblems(IdsOrNames contacts, IdsOrNames groups, string fields = "contactIds, contactNames, groupIds and/or groupNames")
    {
        var problems = new Dictionary<string, string[]>();
        if (contacts.Count + groups.Count is 0 or > Message.MaxRecipients)
        {
            problems["recipients"] = [$"Name 1 to {Message.MaxRecipients} recipients in {fields}."];
        }

        if (contacts.AnyBlankName)
        {
            problems["contactNames"] = ["Contact names must not be blank."];
        }

        if (groups.AnyBlankName)
        {
            problems["groupNames"] = ["Group names must not be blank."];
        }

        return problems;
    }

    private static async Task<Results<Ok<IReadOnlyList<MessageRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpContext http, MessageQueries queries, ProjectionProgress progress, TimeProvider clock, CancellationToken ct,
        string? status = null, Guid? groupId = null, Guid? contactId = null, int limit = 100, Guid? beforeId = null, long? minPosition = null)
    {
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "limit is 1 to 1000.");
        }

        if (Problems.NotOneOf("status", status, MessageQueries.MessageStates) is { } unknownStatus)
        {
            return unknownStatus;
        }

        return await ReadYourWrites.LaggingAsync(progress, "messages", minPosition, ct) is { } lagging
            ? lagging
            : TypedResults.Ok(await queries.ListAsync(http.Subject(), new MessageFilter(status, groupId, contactId), limit, beforeId, clock.GetUtcNow(), ct));
    }

    private static async Task<Results<Ok<MessageView>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, MessageQueries queries, ProjectionProgress progress, TimeProvider clock, CancellationToken ct, long? minPosition = null) =>
        await ReadYourWrites.LaggingAsync(progress, "messages", minPosition, ct) is { } lagging ? lagging
        : await queries.GetAsync(http.Subject(), id, clock.GetUtcNow(), ct) is { } message ? TypedResults.Ok(message)
        : (ProblemHttpResult)Problems.NotFoundResult($"Message {id} does not exist.");

    private static async Task<Ok<MessageAcceptedResponse>> CancelAsync(Guid id, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var context = CorrelationMiddleware.CommandContextOf(http);
        var command = new CancelMessage(id, http.Subject(), context.Actor, clock.GetUtcNow());
        var result = await handler.HandleAsync(Message.Decider, Message.StreamId(id), command, context, ct: ct);
        return TypedResults.Ok(new MessageAcceptedResponse(id, result.Position));
    }

    /// <summary>A text's problem: its length, or (unless sent as written) a placeholder that stands for nothing.</summary>
    private static string? TextProblem(string? text, bool asWritten) =>
        Message.TextProblem(text) ?? (asWritten || MessagePlaceholders.Unknown(text!) is not [_, ..] unknown ? null
            : $"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "stands" : "stand")} for nothing: only {Message.NamePlaceholder} is replaced, "
              + "by each recipient's name. Mend the text, or send it as written (asWritten, or --as-written on the command line).");

    private static async Task<Results<Ok<MessageAcceptedResponse>, ValidationProblem>> EditAsync(
        Guid id, EditMessageRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        if (!request.Text.HasValue && !request.NotBefore.HasValue)
        {
            return Problems.Invalid("message", "Give a new text and/or notBefore.");
        }

        if (request.Text.HasValue && TextProblem(request.Text.Value, request.AsWritten) is { } problem)
        {
            return Problems.Invalid("text", problem);
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var at = clock.GetUtcNow();
        var text = request.Text.HasValue ? Optional.Of(request.Text.Value!) : default;
        var notBefore = request.NotBefore.HasValue ? Optional.Of(request.NotBefore.Value ?? at) : default;
        var result = await handler.HandleAsync(Message.Decider, Message.StreamId(id), new EditMessage(id, http.Subject(), text, notBefore, context.Actor, at), context, ct: ct);
        return TypedResults.Ok(new MessageAcceptedResponse(id, result.Position));
    }

    private static async Task<Results<Ok<MessageAsOfResponse>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        Guid id, string? asOf, HttpContext http, CommandHandler handler, CancellationToken ct)
    {
        if (!AsOf.TryParse(asOf, out var point))
        {
            return Problems.Invalid("asOf", AsOf.Problem);
        }

        var (message, version) = await handler.LoadUntilAsync(Message.Decider, Message.StreamId(id), point.Includes, ct);
        if (message.Status == MessageStatus.None || message.OwnerId != http.Subject())
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"Message {id} did not exist then.");
        }

        return TypedResults.Ok((message, version).ToResponse<MessageAsOfResponse>());
    }
}
