using EventSourced.Api.Auth;
using EventSourced.Api.Deliveries;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Admin;

/// <summary>The failed queue of every owner, for operators: the same list and actions a user has over their own.</summary>
public static class AdminDeliveryEndpoints
{
    public static IEndpointRouteBuilder MapAdminDeliveryEndpoints(this IEndpointRouteBuilder routes)
    {
        var failed = routes.MapGroup("/api/admin/deliveries/failed").WithTags("Admin").RequireAuthorization(Roles.Operator);
        failed.MapGet("/", ListAsync).WithName("ListAllFailedDeliveries")
            .WithSummary("Failed deliveries of every owner (or of ?owner=), oldest failure first; each row names its owner (sender).");
        failed.MapPost("/redeliver", (OwnerFailedDeliveriesRequest request, HttpContext http, FailedQueue queue, CancellationToken ct) =>
            ActAsync(request, http, queue.RedeliverAsync, ct))
            .WithName("RedeliverOwnersFailedDeliveries")
            .WithSummary("Sends an owner's failed deliveries again, some (deliveryIds) or all; recorded in each message's history with the operator as actor.");
        failed.MapPost("/discard", (OwnerFailedDeliveriesRequest request, HttpContext http, FailedQueue queue, CancellationToken ct) =>
            ActAsync(request, http, queue.DiscardAsync, ct))
            .WithName("DiscardOwnersFailedDeliveries")
            .WithSummary("Drops an owner's failed deliveries for good, some (deliveryIds) or all.");
        return routes;
    }

    private static Task<Results<Ok<IReadOnlyList<FailedDeliveryRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        MessageQueries queries, ProjectionProgress progress, CancellationToken ct, string? owner = null, int limit = 100, int offset = 0, long? minPosition = null) =>
        DeliveryEndpoints.ListAsync(string.IsNullOrEmpty(owner) ? null : owner, queries, progress, limit, offset, minPosition, ct);

    private static async Task<Results<Ok<FailedDeliveriesResponse>, ValidationProblem>> ActAsync(
        OwnerFailedDeliveriesRequest request, HttpContext http,
        Func<string, IReadOnlyCollection<Guid>?, CommandContext, CancellationToken, Task<FailedDeliveriesResponse>> act, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(request.Owner)
            ? Problems.Invalid("owner", "Name the owner whose failed deliveries to act on.")
            : await DeliveryEndpoints.ActAsync(request.Owner, request.DeliveryIds, request.All, http, act, ct);
}

public sealed record OwnerFailedDeliveriesRequest(string? Owner, Guid[]? DeliveryIds, bool? All);
