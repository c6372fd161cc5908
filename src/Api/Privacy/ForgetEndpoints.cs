using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Contacts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Privacy;

/// <summary>Forgetting data subjects (ADR 0025): a user their own contacts, an operator anyone.</summary>
public static class ForgetEndpoints
{
    public static IEndpointRouteBuilder MapForgetEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/contacts/{id:guid}/forget", ForgetContactAsync).WithTags("Contacts").RequireAuthorization(Roles.User)
            .WithName("ForgetContact")
            .WithSummary("Erases a contact's name and messenger ids everywhere, for good, and cancels what waits to be sent to it; forgetting again changes nothing.");
        routes.MapPost("/api/admin/subjects/forget", ForgetSubjectAsync).WithTags("Admin").RequireAuthorization(Roles.Operator)
            .WithName("ForgetSubject")
            .WithSummary("Erases a data subject's personal data for good: a contact (ownerId, contactId), a ticket buyer (email and/or phone) or a chat visitor (visitorId).");
        return routes;
    }

    private static async Task<Results<Ok<ForgetResponse>, ValidationProblem, ProblemHttpResult>> ForgetContactAsync(
        Guid id, ForgetContactRequest request, HttpContext http, CommandHandler handler, Forgetting forgetting, CancellationToken ct)
    {
        if (ReasonProblem(request.Reason) is { } problem)
        {
            return problem;
        }

        // A removed contact can be forgotten too: its events still hold its data.
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), ct);
        if (!book.Contacts.ContainsKey(id))
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"Contact {id} does not exist.");
        }

        return TypedResults.Ok(await forgetting.ForgetContactAsync(http.Subject(), id, request.Reason!.Trim(), CorrelationMiddleware.CommandContextOf(http), ct));
    }

    private static async Task<Results<Ok<ForgetResponse>, ValidationProblem>> ForgetSubjectAsync(
        ForgetSubjectRequest request, HttpContext http, Forgetting forgetting, CancellationToken ct)
    {
        if (ReasonProblem(request.Reason) is { } problem)
        {
            return problem;
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var reason = request.Reason!.Trim();
        switch (request.Kind)
        {
            case "contact" when !string.IsNullOrWhiteSpace(request.OwnerId) && request.ContactId is { } contactId:
                return TypedResults.Ok(await forgetting.ForgetContactAsync(request.OwnerId, contactId, reason, context, ct));
            case "contact":
                return Problems.Invalid("contactId", "A contact is named by ownerId and contactId.");
            case "buyer" when Subject.Buyer(request.Email, request.Phone) is { } buyer:
                return TypedResults.Ok(await forgetting.ForgetBuyerAsync(buyer, request.Email, request.Phone, reason, context, ct));
            case "buyer":
                return Problems.Invalid("email", "A buyer is named by email, phone or both.");
            case "visitor" when !string.IsNullOrWhiteSpace(request.VisitorId):
                return TypedResults.Ok(await forgetting.ForgetVisitorAsync(request.VisitorId.Trim(), reason, context, ct));
            case "visitor":
                return Problems.Invalid("visitorId", "A visitor is named by visitorId.");
            default:
                return Problems.Invalid("kind", "kind is contact, buyer or visitor.");
        }
    }

    private static ValidationProblem? ReasonProblem(string? reason) =>
        Forgetting.ReasonProblem(reason) is { } problem ? Problems.Invalid("reason", problem) : null;
}

public sealed record ForgetContactRequest(string? Reason);

/// <param name="Kind">contact, buyer or visitor.</param>
public sealed record ForgetSubjectRequest(string? Kind, string? OwnerId, Guid? ContactId, string? Email, string? Phone, string? VisitorId, string? Reason);
