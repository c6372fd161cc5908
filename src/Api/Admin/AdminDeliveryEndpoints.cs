using EventSourced.Api.Auth;
using EventSourced.Api.Deliveries;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Projections.Deliveries;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Admin;

/// <summary>
/// For operators: what waits to go out, and the failed queue of every owner, with the same list
/// and actions a user has over their own.
/// </summary>
public static class AdminDeliveryEndpoints
{
    public static IEndpointRouteBuilder MapAdminDeliveryEndpoints(this IEndpointRouteBuilder routes)
    {
        var deliveries = routes.MapGroup("/api/admin/deliveries").WithTags("Admin").RequireAuthorization(Roles.Operator);
        deliveries.MapGet("/backlog", async (DeliveryScheduleQueries schedule, TimeProvider clock, CancellationToken ct) => TypedResults.Ok(await schedule.BacklogAsync(clock.GetUtcNow(), ct)))
            .WithName("GetDeliveryBacklog")
            .WithSummary("Every owner's deliveries not yet ended, by messenger: due now (and since when the oldest), held behind an earlier notification to its target, in flight, waiting to retry, scheduled for later; and how many are in the failed queues.");
        deliveries.MapGet("/overdue", OverdueAsync).WithName("ListOverdueDeliveries")
            .WithSummary("Deliveries due and not yet taken up (held ones too), on one messenger (?channel=) or all, the longest-waiting first: which messages to look at when the backlog's oldest due one keeps waiting.");
        var failed = deliveries.MapGroup("/failed");
        failed.MapGet("/", ListAsync).WithName("ListAllFailedDeliveries")
            .WithSummary("Failed deliveries of every owner (or of ?owner=), on one messenger (?channel=) and failed since a moment (?failedSince=), oldest failure first; each row names its owner (sender); afterFailedAt and afterId (the last one listed) page on while the queue changes.");
        failed.MapPost("/redeliver", (OwnerFailedDeliveriesRequest request, HttpContext http, FailedQueue queue, CancellationToken ct) =>
            ActAsync(request, http, queue.RedeliverAsync, ct))
            .WithName("RedeliverOwnersFailedDeliveries")
            .WithSummary("Sends failed deliveries again: some of an owner's (deliveryIds), or all that owner, channel and failedSince keep, every owner's when no owner is named (after a messenger's outage); recorded in each message's history with the operator as actor.");
        failed.MapPost("/discard", (OwnerFailedDeliveriesRequest request, HttpContext http, FailedQueue queue, CancellationToken ct) =>
            ActAsync(request, http, queue.DiscardAsync, ct))
            .WithName("DiscardOwnersFailedDeliveries")
            .WithSummary("Drops failed deliveries for good: some of an owner's (deliveryIds), or all that owner, channel and failedSince keep.");
        return routes;
    }

    private static async Task<Results<Ok<IReadOnlyList<OverdueDelivery>>, ValidationProblem>> OverdueAsync(
        DeliveryScheduleQueries schedule, TimeProvider clock, CancellationToken ct, string? channel = null, int limit = 100)
    {
        var filter = FailedDeliveryFilter.Of(null, channel, null);
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "limit is 1 to 1000.");
        }

        return filter.ChannelProblem is { } problem
            ? Problems.Invalid("channel", problem)
            : TypedResults.Ok(await schedule.OverdueAsync(clock.GetUtcNow(), filter.Channel, limit, ct));
    }

    private static Task<Results<Ok<IReadOnlyList<FailedDeliveryRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        MessageQueries queries, ProjectionProgress progress, CancellationToken ct,
        string? owner = null, string? channel = null, DateTimeOffset? failedSince = null,
        int limit = 100, int offset = 0, DateTimeOffset? afterFailedAt = null, Guid? afterId = null, long? minPosition = null) =>
        DeliveryEndpoints.ListAsync(FailedDeliveryFilter.Of(owner, channel, failedSince), queries, progress, new FailedPage(limit, offset, afterFailedAt, afterId), minPosition, ct);

    private static async Task<Results<Ok<FailedDeliveriesResponse>, ValidationProblem>> ActAsync(
        OwnerFailedDeliveriesRequest request, HttpContext http,
        Func<FailedDeliveryFilter, IReadOnlyCollection<Guid>?, CommandContext, CancellationToken, Task<FailedDeliveriesResponse>> act, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(request.Owner) && request.DeliveryIds is { Length: > 0 }
            ? Problems.Invalid("owner", "Name the owner of the deliveries in deliveryIds.")
            : await DeliveryEndpoints.ActAsync(FailedDeliveryFilter.Of(request.Owner, request.Channel, request.FailedSince), request.DeliveryIds, request.All, http, act, ct);
}

/// <summary>Which failed deliveries: some of an owner's (deliveryIds), or all (all: true) that owner, channel and failedSince keep; no owner means every owner's.</summary>
public sealed record OwnerFailedDeliveriesRequest(string? Owner, Guid[]? DeliveryIds, bool? All, string? Channel = null, DateTimeOffset? FailedSince = null);
