using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Admin;

public static class AdminProjectionEndpoints
{
    public static IEndpointRouteBuilder MapAdminProjectionEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/admin/projections", StatusAsync).WithTags("Admin").WithName("ProjectionStatus")
            .WithSummary("Each projection's version, generation, checkpoint, lag in events and seconds, state and dead letters.")
            .RequireAuthorization(Roles.Operator);
        routes.MapGet("/api/admin/reactors", ReactorsAsync).WithTags("Admin").WithName("ReactorStatus")
            .WithSummary("Each reactor (what acts on events rather than keeping a read model: chats handed over, deploy notifications): its checkpoint and lag in events and seconds.")
            .RequireAuthorization(Roles.Operator);
        routes.MapPost("/api/admin/projections/{name}/rebuild", RebuildAsync).WithTags("Admin").WithName("RebuildProjection")
            .WithSummary("Rebuilds a projection beside the serving one, which keeps answering queries until the new one has caught up; with ?stream=ID, projects just that stream again in place.")
            .RequireAuthorization(Roles.Operator);
        routes.MapPost("/api/admin/projections/{name}/reset", ResetAsync).WithTags("Admin").WithName("ResetProjection")
            .WithSummary("Lets a projection stopped by a poison event go on; the event stays in the dead letters.")
            .RequireAuthorization(Roles.Operator);
        routes.MapGet("/api/admin/projections/{name}/dead-letters", DeadLettersAsync).WithTags("Admin").WithName("ListProjectionDeadLetters")
            .WithSummary("The events the serving generation parked, and those of a generation being built beside it, in the order they were parked: generation, position, event id and type, stream, error, when; afterId (the last one listed) pages on.")
            .RequireAuthorization(Roles.Operator);
        routes.MapPost("/api/admin/projections/{name}/dead-letters/replay", ReplayAllAsync).WithTags("Admin").WithName("ReplayAllProjectionDeadLetters")
            .WithSummary("After a fix, every dead letter at once: each stream projected again once for all its dead letters, in the generation that parked them. Those whose stream still cannot be projected stay, named with why.")
            .RequireAuthorization(Roles.Operator);
        routes.MapPost("/api/admin/projections/{name}/dead-letters/{id:long}/replay", ReplayAsync).WithTags("Admin").WithName("ReplayProjectionDeadLetter")
            .WithSummary("After a fix, projects the parked event's stream again in place, in the generation that parked it; applied, the dead letter goes, and a generation stopped by its dead letters goes on once none is left. Still failing: 422, and it stays.")
            .RequireAuthorization(Roles.Operator);
        routes.MapDelete("/api/admin/projections/{name}/dead-letters/{id:long}", DiscardAsync).WithTags("Admin").WithName("DiscardProjectionDeadLetter")
            .WithSummary("Drops a dead letter without projecting its event; a generation stopped by its dead letters goes on once none is left.")
            .RequireAuthorization(Roles.Operator);
        return routes;
    }

    private static async Task<Results<Accepted<RebuildResponse>, Ok<StreamRebuildResponse>, ProblemHttpResult>> RebuildAsync(
        string name, ProjectionOperations operations, CancellationToken ct, string? stream = null)
    {
        if (operations.Find(name) is not { } projection)
        {
            return NoSuchProjection(name);
        }

        if (stream is not null)
        {
            try
            {
                return TypedResults.Ok(new StreamRebuildResponse(name, stream, await operations.RebuildStreamAsync(projection, stream, ct)));
            }
            catch (InvalidOperationException e)
            {
                return TypedResults.Problem(detail: e.Message, statusCode: StatusCodes.Status409Conflict, title: "Cannot rebuild this stream", type: Problems.DomainRule("stream_rebuild_not_possible"));
            }
        }

        try
        {
            var generation = await operations.RebuildAsync(projection, ct);
            return TypedResults.Accepted("/api/admin/projections", new RebuildResponse(name, generation.Number));
        }
        catch (InvalidOperationException e)
        {
            return TypedResults.Problem(detail: e.Message, statusCode: StatusCodes.Status409Conflict, title: "Cannot rebuild this projection here", type: Problems.DomainRule("rebuild_not_possible"));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetAsync(string name, ProjectionOperations operations, CancellationToken ct)
    {
        if (operations.Find(name) is not { } projection)
        {
            return NoSuchProjection(name);
        }

        await operations.ResetAsync(projection, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IReadOnlyList<ProjectionDeadLetter>>, ValidationProblem, ProblemHttpResult>> DeadLettersAsync(
        string name, ProjectionOperations operations, ProjectionDeadLetters deadLetters, CancellationToken ct, int limit = 100, long afterId = 0)
    {
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "limit is 1 to 1000.");
        }

        return operations.Find(name) is { } projection
            ? TypedResults.Ok(await deadLetters.ListAsync(projection, limit, afterId, ct))
            : NoSuchProjection(name);
    }

    private static async Task<Results<Ok<DeadLetterReplayed>, ProblemHttpResult>> ReplayAsync(
        string name, long id, ProjectionOperations operations, ProjectionDeadLetters deadLetters, CancellationToken ct)
    {
        if (operations.Find(name) is not { } projection)
        {
            return NoSuchProjection(name);
        }

        return await deadLetters.ReplayAsync(projection, id, ct) switch
        {
            { Found: false } => (ProblemHttpResult)Problems.NotFoundResult($"{name} has no dead letter {id}."),
            { Error: { } error } => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity, type: Problems.DomainRule("event_unprojectable"), title: "The stream could not be projected again; the dead letter stays", detail: error),
            var replayed => TypedResults.Ok(replayed),
        };
    }

    private static async Task<Results<Ok<DeadLettersReplayed>, ProblemHttpResult>> ReplayAllAsync(
        string name, ProjectionOperations operations, ProjectionDeadLetters deadLetters, CancellationToken ct) =>
        operations.Find(name) is { } projection ? TypedResults.Ok(await deadLetters.ReplayAllAsync(projection, ct)) : NoSuchProjection(name);

    private static async Task<Results<NoContent, ProblemHttpResult>> DiscardAsync(
        string name, long id, ProjectionOperations operations, ProjectionDeadLetters deadLetters, CancellationToken ct) =>
        operations.Find(name) is not { } projection ? NoSuchProjection(name)
        : await deadLetters.DiscardAsync(projection, id, ct) ? TypedResults.NoContent()
        : (ProblemHttpResult)Problems.NotFoundResult($"{name} has no dead letter {id}.");

    private static ProblemHttpResult NoSuchProjection(string name) => (ProblemHttpResult)Problems.NotFoundResult($"There is no projection '{name}'.");

    private static async Task<Ok<IReadOnlyList<ProjectionStatus>>> StatusAsync(ProjectionStatusQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.AllAsync(ct));

    private static async Task<Ok<IReadOnlyList<ReactorStatus>>> ReactorsAsync(ProjectionStatusQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ReactorsAsync(ct));
}

/// <param name="Generation">The generation being built; it serves once it has caught up.</param>
public sealed record RebuildResponse(string Projection, int Generation);

/// <param name="EventsApplied">The stream's events applied again, up to the projection's checkpoint.</param>
public sealed record StreamRebuildResponse(string Projection, string Stream, int EventsApplied);
