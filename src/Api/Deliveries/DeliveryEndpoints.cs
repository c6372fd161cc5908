using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;
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
        deliveries.MapPost("/failed/redeliver", (FailedDeliveriesRequest request, HttpContext http, MessageQueries queries, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
            ActAsync(request, http, queries, handler, (m, owner, d, actor) => new RedeliverDelivery(m, owner, d, actor, clock.GetUtcNow()), ct))
            .WithName("RedeliverFailedDeliveries")
            .WithSummary("Sends failed deliveries again with their attempts reset: some (deliveryIds) or all of the caller's; recorded in each message's history.");
        deliveries.MapPost("/failed/discard", (FailedDeliveriesRequest request, HttpContext http, MessageQueries queries, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
            ActAsync(request, http, queries, handler, (m, owner, d, actor) => new DiscardDelivery(m, owner, d, actor, clock.GetUtcNow()), ct))
            .WithName("DiscardFailedDeliveries")
            .WithSummary("Drops failed deliveries from the failed queue for good: some (deliveryIds) or all of the caller's.");
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

    private static async Task<Results<Ok<FailedDeliveriesResponse>, ValidationProblem>> ActAsync(
        FailedDeliveriesRequest request, HttpContext http, MessageQueries queries, CommandHandler handler,
        Func<Guid, string, Guid, string, IDeliveryCommand> command, CancellationToken ct)
    {
        if ((request.All == true) == (request.DeliveryIds is { Length: > 0 }))
        {
            return Problems.Invalid("deliveryIds", "Name the deliveries in deliveryIds, or send all: true (not both).");
        }

        var owner = http.Subject();
        var context = CorrelationMiddleware.CommandContextOf(http);
        var failed = await queries.FailedAsync(owner, int.MaxValue, 0, ct);
        var chosen = request.All == true ? failed : failed.Where(f => request.DeliveryIds!.Contains(f.DeliveryId)).ToList();
        long? position = null;
        foreach (var delivery in chosen)
        {
            var result = await handler.HandleAsync(Message.Decider, Message.StreamId(delivery.MessageId), command(delivery.MessageId, owner, delivery.DeliveryId, context.Actor), context, ct: ct);
            position = result.Position ?? position;
        }

        var done = chosen.Select(c => c.DeliveryId).ToList();
        var notFailed = (request.DeliveryIds ?? []).Except(done).ToList();
        return TypedResults.Ok(new FailedDeliveriesResponse(done, notFailed, position));
    }
}

/// <summary>Which failed deliveries: the ones named, or all of the caller's.</summary>
public sealed record FailedDeliveriesRequest(Guid[]? DeliveryIds, bool? All);

/// <param name="Done">Deliveries acted on.</param>
/// <param name="NotFailed">Named deliveries that are not in the caller's failed queue (unknown, someone else's, or not failed); nothing was done to them.</param>
public sealed record FailedDeliveriesResponse(IReadOnlyList<Guid> Done, IReadOnlyList<Guid> NotFailed, long? Position);
