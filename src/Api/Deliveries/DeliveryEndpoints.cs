using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Deliveries;

/// <summary>The failed queue: deliveries that gave up, per owner.</summary>
public static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder routes)
    {
        var deliveries = routes.MapGroup("/api/deliveries").WithTags("Deliveries").RequireAuthorization(Roles.User);
        deliveries.MapGet("/failed", FailedAsync).WithName("ListFailedDeliveries")
            .WithSummary("The caller's failed deliveries: text, contact, channel, scheduled time, attempts and last error, oldest failure first.");
        return routes;
    }

    private static async Task<Results<Ok<IReadOnlyList<FailedDeliveryRow>>, ValidationProblem, ProblemHttpResult>> FailedAsync(
        HttpContext http, MessageQueries queries, ProjectionProgress progress, CancellationToken ct, int limit = 100, int offset = 0, long? minPosition = null)
    {
        if (limit is < 1 or > 1000 || offset < 0)
        {
            return Problems.Invalid("limit", "limit is 1 to 1000 and offset >= 0.");
        }

        return await ReadYourWrites.LaggingAsync(progress, "messages", minPosition, ct) is { } lagging
            ? lagging
            : TypedResults.Ok(await queries.FailedAsync(http.Subject(), limit, offset, ct));
    }
}
