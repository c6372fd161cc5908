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
        routes.MapPost("/api/admin/projections/{name}/rebuild", RebuildAsync).WithTags("Admin").WithName("RebuildProjection")
            .WithSummary("Rebuilds a projection beside the serving one, which keeps answering queries until the new one has caught up; with ?stream=ID, projects just that stream again in place.")
            .RequireAuthorization(Roles.Operator);
        routes.MapPost("/api/admin/projections/{name}/reset", ResetAsync).WithTags("Admin").WithName("ResetProjection")
            .WithSummary("Lets a projection stopped by a poison event go on; the event stays in the dead letters.")
            .RequireAuthorization(Roles.Operator);
        return routes;
    }

    private static async Task<Results<Accepted<RebuildResponse>, Ok<StreamRebuildResponse>, ProblemHttpResult>> RebuildAsync(
        string name, ProjectionOperations operations, CancellationToken ct, string? stream = null)
    {
        if (operations.Find(name) is not { } projection)
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"There is no projection '{name}'.");
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

        var generation = await operations.RebuildAsync(projection, ct);
        return TypedResults.Accepted("/api/admin/projections", new RebuildResponse(name, generation.Number));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetAsync(string name, ProjectionOperations operations, CancellationToken ct)
    {
        if (operations.Find(name) is not { } projection)
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"There is no projection '{name}'.");
        }

        await operations.ResetAsync(projection, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<ProjectionStatus>>> StatusAsync(ProjectionStatusQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.AllAsync(ct));
}

/// <param name="Generation">The generation being built; it serves once it has caught up.</param>
public sealed record RebuildResponse(string Projection, int Generation);

/// <param name="EventsApplied">The stream's events applied again, up to the projection's checkpoint.</param>
public sealed record StreamRebuildResponse(string Projection, string Stream, int EventsApplied);
