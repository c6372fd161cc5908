using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Domain.Contacts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Contacts;

public static class ContactEndpoints
{
    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder routes)
    {
        var contacts = routes.MapGroup("/api/contacts").WithTags("Contacts");

        contacts.MapPost("/", AddContactAsync)
            .WithName("AddContact")
            .WithSummary("Adds a contact reachable on Telegram, WhatsApp and/or Viber.");

        contacts.MapGet("/{id:guid}", GetContactAsync)
            .WithName("GetContact")
            .WithSummary("Reads a contact; the ETag carries its version.");

        return routes;
    }

    private static async Task<Results<Created<ContactCreatedResponse>, ValidationProblem>> AddContactAsync(
        AddContactRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var messengers = new MessengerIds(Blank(request.Telegram), Blank(request.WhatsApp), Blank(request.Viber));
        var problems = messengers.Problems().ToDictionary(p => p.Key, p => new[] { p.Value });
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MessengerIds.MaxNameLength)
        {
            problems["name"] = [$"A name of 1 to {MessengerIds.MaxNameLength} characters is required."];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems, type: Problems.Validation);
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var id = Guid.CreateVersion7();
        var command = new AddContact(id, context.Actor, name!, messengers, context.Actor, clock.GetUtcNow());
        var result = await handler.HandleAsync(Contact.Decider, Contact.StreamId(id), command, context, ct: ct);

        VersionHeaders.SetETag(http.Response, result.Version);
        return TypedResults.Created($"/api/contacts/{id}", new ContactCreatedResponse(id, result.Version, result.Position));
    }

    private static async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetContactAsync(
        Guid id, HttpContext http, CommandHandler handler, CancellationToken ct)
    {
        var (contact, version) = await handler.LoadAsync(Contact.Decider, Contact.StreamId(id), ct);
        if (!contact.Exists)
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"Contact {id} does not exist.");
        }

        VersionHeaders.SetETag(http.Response, version);
        var m = contact.Messengers;
        return TypedResults.Ok(new ContactResponse(contact.Id, contact.Name, m.Telegram, m.WhatsApp, m.Viber, version));
    }

    // An empty string for an optional id means "none", as forms and many clients send it.
    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
