using EventSourced.Api.Auth;
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
        return routes;
    }

    private static async Task<Ok<IReadOnlyList<ProjectionStatus>>> StatusAsync(ProjectionStatusQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.AllAsync(ct));
}
