using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using EventSourced.Projections.Contacts;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Contacts;

/// <summary>Contacts of the authenticated user: the owner is always the caller, so nobody reaches another's book.</summary>
public static class ContactEndpoints
{
    private const int MaxSearchLength = 200;
    private const int MaxImport = 1000;

    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder routes)
    {
        var contacts = routes.MapGroup("/api/contacts").WithTags("Contacts").RequireAuthorization(Roles.User);

        contacts.MapPost("/", AddAsync).WithName("AddContact")
            .WithSummary("Adds a contact reachable on Telegram, WhatsApp and/or Viber; names are unique per owner.");
        contacts.MapPost("/import", ImportAsync).WithName("ImportContacts")
            .WithSummary("Adds up to 1,000 contacts at once, all or none: a name you already have refuses the import (409, listing them), unless skipExisting leaves those as they are.");
        contacts.MapGet("/", ListAsync).WithName("ListContacts")
            .WithSummary("Lists the caller's contacts by name, page by page; search keeps those whose name or a messenger id contains the text, in any case; minPosition waits until the list includes that write.");
        contacts.MapGet("/export", ContactExport.ExportAsync).WithName("ExportContacts")
            .WithSummary($"Every contact of your book as it is now, by name, as CSV that import reads back (name, telegram, whatsapp, viber); forgotten ones are left out. The headers {ContactExport.ExportedHeader} and {ContactExport.LeftOutHeader} count both.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
        contacts.MapGet("/{id:guid}", GetAsync).WithName("GetContact")
            .WithSummary("Reads a contact and the groups it is in; the ETag carries its revision.");
        contacts.MapGet("/by-name", GetByNameAsync).WithName("GetContactByName")
            .WithSummary("Reads a contact by its name (?name=), in any case, from your contact book as it is now: a contact just added is found at once, unlike in the list.");
        contacts.MapGet("/{id:guid}/history", HistoryAsync).WithName("GetContactHistory")
            .WithSummary("The contact, and the groups it was in, as they were at a revision (asOf=2) or a moment (asOf=2026-11-22T06:00:00Z).");
        contacts.MapPatch("/{id:guid}", UpdateAsync).WithName("UpdateContact")
            .WithSummary("Renames a contact or changes its messenger ids (null removes one); If-Match takes the ETag.");
        contacts.MapDelete("/{id:guid}", RemoveAsync).WithName("RemoveContact")
            .WithSummary("Removes a contact; what was still to go out to it (scheduled, retrying or failed) is cancelled soon after. Removing it again changes nothing.");
        return routes;
    }

    private static async Task<Results<Created<ContactChangedResponse>, ValidationProblem>> AddAsync(
        AddContactRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var (messengers, found) = Read(request);
        var problems = found.ToDictionary(p => p.Key, p => new[] { p.Value });
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var id = IdempotencyMiddleware.NewId(http);
        var command = new AddContact(id, http.Subject(), request.Name!.Trim(), messengers, context.Actor, clock.GetUtcNow());
        var result = await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), command, context, ct: ct);

        var revision = result.State.Find(id)!.Revision;
        VersionHeaders.SetETag(http.Response, revision);
        return TypedResults.Created($"/api/contacts/{id}", new ContactChangedResponse(id, revision, result.Position));
    }

    private static async Task<Results<Ok<ContactsImportedResponse>, ValidationProblem>> ImportAsync(
        ImportContactsRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        if (request.Contacts is not { Count: > 0 and <= MaxImport } rows)
        {
            return Problems.Invalid("contacts", $"Send 1 to {MaxImport:N0} contacts.");
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var at = clock.GetUtcNow();
        var problems = new Dictionary<string, string[]>();
        var firstNamed = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var adds = new List<AddContact>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? new AddContactRequest(null, null, null, null);
            var (messengers, found) = Read(row);
            foreach (var (field, problem) in found)
            {
                problems[$"contacts[{i}].{field}"] = [problem];
            }

            var name = row.Name?.Trim() ?? "";
            if (name.Length > 0 && !firstNamed.TryAdd(name, i))
            {
                problems[$"contacts[{i}].name"] = [$"'{name}' is also the name of contacts[{firstNamed[name]}]; names are unique."];
            }

            adds.Add(new AddContact(IdempotencyMiddleware.NewId(http), http.Subject(), name, messengers, context.Actor, at));
        }

        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var command = new ImportContacts(http.Subject(), adds, request.SkipExisting);
        var result = await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), command, context, ct: ct);

        var inBook = adds.ToLookup(a => result.State.Find(a.ContactId) is not null);
        return TypedResults.Ok(new ContactsImportedResponse(
            [.. inBook[true].Select(a => new ImportedContact(a.ContactId, a.Name))], [.. inBook[false].Select(a => a.Name)], result.Position));
    }

    private static async Task<Results<Ok<ContactPage>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpContext http, ContactQueries queries, ProjectionProgress progress, CancellationToken ct, int page = 1, int pageSize = 50, long? minPosition = null, string? search = null)
    {
        if (page < 1 || pageSize is < 1 or > 500)
        {
            return Problems.Invalid("page", "page >= 1 and pageSize 1 to 500.");
        }

        if (search is { Length: > MaxSearchLength } || (search?.Any(char.IsControl) ?? false))
        {
            return Problems.Invalid("search", $"search is up to {MaxSearchLength} printable characters.");
        }

        if (await ReadYourWrites.LaggingAsync(progress, "contacts", minPosition, ct) is { } lagging)
        {
            return lagging;
        }

        return TypedResults.Ok(await queries.ListAsync(http.Subject(), string.IsNullOrWhiteSpace(search) ? null : search.Trim(), page, pageSize, ct));
    }

    private static Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetAsync(Guid id, HttpContext http, CommandHandler handler, CancellationToken ct) =>
        ReadAsync(http, handler, book => book.Find(id), $"Contact {id} does not exist.", ct);

    private static Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetByNameAsync(string name, HttpContext http, CommandHandler handler, CancellationToken ct) =>
        ReadAsync(http, handler, book => book.FindByName(name), $"You have no contact named '{name}'.", ct);

    /// <summary>The contact <paramref name="find"/> picks in the caller's book as it is now, with its revision as ETag.</summary>
    private static async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> ReadAsync(
        HttpContext http, CommandHandler handler, Func<ContactBook, ContactEntry?> find, string notFound, CancellationToken ct)
    {
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), ct);
        if (find(book) is not { } contact)
        {
            return (ProblemHttpResult)Problems.NotFoundResult(notFound);
        }

        VersionHeaders.SetETag(http.Response, contact.Revision);
        return TypedResults.Ok(Response(book, contact));
    }

    private static async Task<Results<Ok<ContactResponse>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        Guid id, string? asOf, HttpContext http, CommandHandler handler, EventTypeRegistry registry, CancellationToken ct)
    {
        if (!AsOf.TryParse(asOf, out var point))
        {
            return Problems.Invalid("asOf", AsOf.Problem);
        }

        // A contact's revision counts its own events in the owner's book, so a revision stops
        // before the contact's event that would take it past the revision asked for.
        var seen = -1L;
        Func<RecordedEvent, bool> include = point.Version is { } revision
            ? e => registry.Deserialize(e) is not IContactEvent c || c.ContactId != id || ++seen <= revision
            : point.Includes;

        var (book, _) = await handler.LoadUntilAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), include, ct);
        return book.Find(id) is { } contact
            ? TypedResults.Ok(Response(book, contact))
            : (ProblemHttpResult)Problems.NotFoundResult($"Contact {id} did not exist then.");
    }

    private static ContactResponse Response(ContactBook book, ContactEntry contact) => (contact, book.GroupsOf(contact.Id)).ToResponse<ContactResponse>();

    private static async Task<Results<Ok<ContactChangedResponse>, ValidationProblem>> UpdateAsync(
        Guid id, UpdateContactRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var problems = new Dictionary<string, string[]>();
        if (request.Name.HasValue)
        {
            foreach (var (field, problem) in MessengerIds.NameProblems(request.Name.Value))
            {
                problems[field] = [problem];
            }
        }

        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var command = new UpdateContact(
            id, http.Subject(), Changed(request.Name)!, Changed(request.Telegram), Changed(request.WhatsApp, CleanPhone), Changed(request.Viber),
            VersionHeaders.IfMatch(http.Request), context.Actor, clock.GetUtcNow());
        var result = await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), command, context, ct: ct);

        var revision = result.State.Find(id)!.Revision;
        VersionHeaders.SetETag(http.Response, revision);
        return TypedResults.Ok(new ContactChangedResponse(id, revision, result.Position));
    }

    private static async Task<NoContent> RemoveAsync(Guid id, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var context = CorrelationMiddleware.CommandContextOf(http);
        var command = new RemoveContact(id, http.Subject(), VersionHeaders.IfMatch(http.Request), context.Actor, clock.GetUtcNow());
        await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), command, context, ct: ct);
        return TypedResults.NoContent();
    }

    /// <summary>A new contact's messenger ids as stored, and what is wrong with it, field by field.</summary>
    private static (MessengerIds Messengers, IEnumerable<KeyValuePair<string, string>> Problems) Read(AddContactRequest request)
    {
        var messengers = new MessengerIds(Clean(request.Telegram), CleanPhone(request.WhatsApp), Clean(request.Viber));
        return (messengers, MessengerIds.NameProblems(request.Name).Concat(messengers.Problems()));
    }

    // An empty string for an optional id means "none", as forms and many clients send it.
    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? CleanPhone(string? value) => Clean(value) is { } phone ? MessengerIds.Phone(phone) : null;

    private static Optional<string?> Changed(Optional<string?> field, Func<string?, string?>? clean = null) =>
        field.HasValue ? Optional.Of((clean ?? Clean)(field.Value)) : default;
}
