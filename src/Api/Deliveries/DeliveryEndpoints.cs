using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
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
            .WithSummary("The caller's failed deliveries: text, contact, channel, scheduled time, attempts and last error, oldest failure first; afterFailedAt and afterId (the last one listed) page on, and stay put while deliveries leave the queue, as an offset does not.");
        deliveries.MapPost("/failed/redeliver", (FailedDeliveriesRequest request, HttpContext http, FailedQueue queue, CancellationToken ct) =>
            ActAsync(new FailedDeliveryFilter(http.Subject()), request.DeliveryIds, request.All, http, queue.RedeliverAsync, ct))
            .WithName("RedeliverFailedDeliveries")
            .WithSummary("Sends failed deliveries again with their attempts reset: some (deliveryIds) or all of the caller's; recorded in each message's history.");
        deliveries.MapPost("/failed/discard", (FailedDeliveriesRequest request, HttpContext http, FailedQueue queue, CancellationToken ct) =>
            ActAsync(new FailedDeliveryFilter(http.Subject()), request.DeliveryIds, request.All, http, queue.DiscardAsync, ct))
            .WithName("DiscardFailedDeliveries")
            .WithSummary("Drops failed deliveries from the failed queue for good: some (deliveryIds) or all of the caller's.");
        return routes;
    }

    private static Task<Results<Ok<IReadOnlyList<FailedDeliveryRow>>, ValidationProblem, ProblemHttpResult>> FailedAsync(
        HttpContext http, MessageQueries queries, ProjectionProgress progress, CancellationToken ct,
        int limit = 100, int offset = 0, DateTimeOffset? afterFailedAt = null, Guid? afterId = null, long? minPosition = null) =>
        ListAsync(new FailedDeliveryFilter(http.Subject()), queries, progress, new FailedPage(limit, offset, afterFailedAt, afterId), minPosition, ct);

    /// <summary>The failed deliveries a filter keeps, read your writes; users list their own, operators anyone's.</summary>
    internal static async Task<Results<Ok<IReadOnlyList<FailedDeliveryRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        FailedDeliveryFilter filter, MessageQueries queries, ProjectionProgress progress, FailedPage page, long? minPosition, CancellationToken ct)
    {
        if (page.Problem is { } pageProblem)
        {
            return Problems.Invalid(pageProblem.Field, pageProblem.Text);
        }

        if (filter.ChannelProblem is { } problem)
        {
            return Problems.Invalid("channel", problem);
        }

        return await ReadYourWrites.LaggingAsync(progress, "messages", minPosition, ct) is { } lagging
            ? lagging
            : TypedResults.Ok(await queries.FailedAsync(filter, page.Limit, page.Offset, page.After, ct));
    }

    /// <summary>Redeliver or discard some (<paramref name="deliveryIds"/>) or all of the failed deliveries a filter keeps.</summary>
    internal static async Task<Results<Ok<FailedDeliveriesResponse>, ValidationProblem>> ActAsync(
        FailedDeliveryFilter filter, Guid[]? deliveryIds, bool? all, HttpContext http,
        Func<FailedDeliveryFilter, IReadOnlyCollection<Guid>?, CommandContext, CancellationToken, Task<FailedDeliveriesResponse>> act, CancellationToken ct)
    {
        if ((all == true) == (deliveryIds is { Length: > 0 }))
        {
            return Problems.Invalid("deliveryIds", "Name the deliveries in deliveryIds, or send all: true (not both).");
        }

        if (filter.ChannelProblem is { } problem)
        {
            return Problems.Invalid("channel", problem);
        }

        return TypedResults.Ok(await act(filter, all == true ? null : deliveryIds, CorrelationMiddleware.CommandContextOf(http), ct));
    }
}
