using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Domain.Contacts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Contacts;

/// <summary>
/// Groups of the caller's contacts, to send a message to all of a group's members at once. They
/// live in the owner's contact book, so they are read from it as it is now, not from a read model:
/// a group just made or changed is found at once (ADR 0048).
/// </summary>
public static class GroupEndpoints
{
    public static IEndpointRouteBuilder MapGroupEndpoints(this IEndpointRouteBuilder routes)
    {
        var groups = routes.MapGroup("/api/groups").WithTags("Groups").RequireAuthorization(Roles.User);

        groups.MapPost("/", CreateAsync).WithName("CreateGroup")
            .WithSummary("Makes a group of your contacts, with its first members by id or name (maybe none); names are unique per owner.");
        groups.MapGet("/", ListAsync).WithName("ListGroups")
            .WithSummary("Your groups by name, each with how many of its members are in your book.");
        groups.MapGet("/{id:guid}", GetAsync).WithName("GetGroup")
            .WithSummary("A group and its members by name.");
        groups.MapPatch("/{id:guid}", RenameAsync).WithName("RenameGroup")
            .WithSummary("Renames a group.");
        groups.MapPost("/{id:guid}/members", AddMembersAsync).WithName("AddGroupMembers")
            .WithSummary($"Adds contacts to a group, by id or name; those already in it stay. A group has {ContactGroup.MaxMembers:N0} members at most, as many as a message takes.");
        groups.MapPost("/{id:guid}/members/remove", RemoveMembersAsync).WithName("RemoveGroupMembers")
            .WithSummary("Takes contacts out of a group, by id or name; those not in it are passed over, and the contacts stay in your book.");
        groups.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteGroup")
            .WithSummary("Deletes a group; its contacts stay in your book, and messages already sent to it are not touched. Deleting it again changes nothing.");
        return routes;
    }

    private static async Task<Results<Created<GroupChangedResponse>, ValidationProblem>> CreateAsync(
        CreateGroupRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var members = new IdsOrNames(request.ContactIds ?? [], request.ContactNames ?? []);
        var problems = MemberProblems(members);
        if (ContactGroup.NameProblem(request.Name) is { } nameProblem)
        {
            problems["name"] = [nameProblem];
        }

        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var id = IdempotencyMiddleware.NewId(http);
        var answer = await HandleAsync(http, handler, id, context => new CreateContactGroup(id, http.Subject(), request.Name!.Trim(), members, context.Actor, clock.GetUtcNow()), ct);
        return TypedResults.Created($"/api/groups/{id}", answer);
    }

    private static async Task<Ok<IReadOnlyList<GroupSummaryResponse>>> ListAsync(HttpContext http, CommandHandler handler, CancellationToken ct)
    {
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), ct);
        return TypedResults.Ok<IReadOnlyList<GroupSummaryResponse>>([.. book.LiveGroups.Select(g => new GroupSummaryResponse(g.Id, g.Name, book.MembersOf(g).Count))]);
    }

    private static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> GetAsync(Guid id, HttpContext http, CommandHandler handler, CancellationToken ct)
    {
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), ct);
        return book.FindGroup(id) is { } group
            ? TypedResults.Ok(new GroupResponse(group.Id, group.Name, [.. book.MembersOf(group).Select(c => new GroupMemberResponse(c.Id, c.Name))]))
            : (ProblemHttpResult)Problems.NotFoundResult($"Group {id} does not exist.");
    }

    private static async Task<Results<Ok<GroupChangedResponse>, ValidationProblem>> RenameAsync(
        Guid id, RenameGroupRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        if (ContactGroup.NameProblem(request.Name) is { } problem)
        {
            return Problems.Invalid("name", problem);
        }

        return TypedResults.Ok(await HandleAsync(http, handler, id, context => new RenameContactGroup(id, http.Subject(), request.Name!.Trim(), context.Actor, clock.GetUtcNow()), ct));
    }

    private static Task<Results<Ok<GroupChangedResponse>, ValidationProblem>> AddMembersAsync(
        Guid id, GroupMembersRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        ChangeMembersAsync(id, request, http, handler, (members, context) => new AddContactGroupMembers(id, http.Subject(), members, context.Actor, clock.GetUtcNow()), ct);

    private static Task<Results<Ok<GroupChangedResponse>, ValidationProblem>> RemoveMembersAsync(
        Guid id, GroupMembersRequest request, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        ChangeMembersAsync(id, request, http, handler, (members, context) => new RemoveContactGroupMembers(id, http.Subject(), members, context.Actor, clock.GetUtcNow()), ct);

    private static async Task<NoContent> DeleteAsync(Guid id, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var context = CorrelationMiddleware.CommandContextOf(http);
        await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), new DeleteContactGroup(id, http.Subject(), context.Actor, clock.GetUtcNow()), context, ct: ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<GroupChangedResponse>, ValidationProblem>> ChangeMembersAsync(
        Guid id, GroupMembersRequest request, HttpContext http, CommandHandler handler, Func<IdsOrNames, CommandContext, IContactCommand> command, CancellationToken ct)
    {
        var members = new IdsOrNames(request.ContactIds ?? [], request.ContactNames ?? []);
        var problems = MemberProblems(members);
        if (members.Count == 0)
        {
            problems["contacts"] = ["Name at least one contact in contactIds and/or contactNames."];
        }

        return problems.Count > 0 ? Problems.Invalid(problems) : TypedResults.Ok(await HandleAsync(http, handler, id, context => command(members, context), ct));
    }

    private static Dictionary<string, string[]> MemberProblems(IdsOrNames members)
    {
        var problems = new Dictionary<string, string[]>();
        if (members.Count > ContactGroup.MaxMembers)
        {
            problems["contacts"] = [$"Name {ContactGroup.MaxMembers:N0} contacts at most."];
        }

        if (members.AnyBlankName)
        {
            problems["contactNames"] = ["Contact names must not be blank."];
        }

        return problems;
    }

    /// <summary>Runs the command on the caller's book and answers with the group as it left it.</summary>
    private static async Task<GroupChangedResponse> HandleAsync(
        HttpContext http, CommandHandler handler, Guid id, Func<CommandContext, IContactCommand> command, CancellationToken ct)
    {
        var context = CorrelationMiddleware.CommandContextOf(http);
        var result = await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), command(context), context, ct: ct);
        var group = result.State.FindGroup(id)!;
        return new GroupChangedResponse(group.Id, group.Name, result.State.MembersOf(group).Count, result.Position);
    }
}
