using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Domain.Tickets;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.Projections.Runner;
using EventSourced.Projections.Tickets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Tickets;

/// <summary>What the seller's records have built: shows, orders with their tickets, and what still waits parked.</summary>
public static class TicketQueryEndpoints
{
    public static IEndpointRouteBuilder MapTicketQueryEndpoints(this IEndpointRouteBuilder routes)
    {
        var tickets = routes.MapGroup("/api").WithTags("Tickets").RequireAuthorization(p => p.RequireRole(Roles.TicketSource, Roles.Operator));
        tickets.MapGet("/ticket-events/{id}", ShowAsync).WithName("GetTicketEvent").WithSummary("A show as the seller last reported it.");
        tickets.MapGet("/orders/{id}", OrderAsync).WithName("GetOrder").WithSummary("An order with its number and each ticket's status (sold or refunded).");
        tickets.MapGet("/orders/{id}/history", OrderHistoryAsync).WithName("GetOrderHistory")
            .WithSummary("The order as it was at a stream version (asOf=0) or a moment (asOf=2026-11-22T06:00:00Z).");
        tickets.MapGet("/tickets", TicketsAsync).WithName("ListTickets").WithSummary("Tickets by show and/or status (sold, refunded), by show, order and ticket id; afterTicketId (the last one listed) pages on.");
        tickets.MapGet("/ingest/parked", ParkedAsync).WithName("ParkedRecords").WithSummary("How many orders wait for a show, and how many refunds for the order of their tickets.");
        tickets.MapGet("/ingest/dead-letters", DeadLettersAsync).WithName("IngestDeadLetters")
            .WithSummary("Records from the seller's topics that could not be applied, in the order they came: topic, partition, offset, key, headers, body (base64) and the reason; afterId (the last one listed) pages on.");
        var operators = routes.MapGroup("/api/ingest/dead-letters").WithTags("Tickets").RequireAuthorization(Roles.Operator);
        operators.MapPost("/replay", ReplayAllAsync).WithName("ReplayAllIngestDeadLetters")
            .WithSummary("Applies every dead letter again (or a topic's, ?topic=), in the order they came, after a fix: those applied leave the list, those still failing stay with their new reasons and are named.");
        operators.MapPost("/{id:long}/replay", ReplayAsync).WithName("ReplayIngestDeadLetter")
            .WithSummary("Applies a dead letter again (after a fix); applied, it leaves the list, and still failing it stays with the new reason (422).");
        operators.MapDelete("/{id:long}", DiscardAsync).WithName("DiscardIngestDeadLetter").WithSummary("Drops a dead letter for good.");
        return routes;
    }

    private static async Task<Results<Ok<IReadOnlyList<IngestDeadLetter>>, ValidationProblem>> DeadLettersAsync(
        IngestDeadLetters deadLetters, CancellationToken ct, int limit = 100, long afterId = 0) =>
        limit is < 1 or > 1000 ? Problems.Invalid("limit", "limit is 1 to 1000.") : TypedResults.Ok(await deadLetters.ListAsync(limit, afterId, null, ct));

    private static async Task<Results<Ok<ReplayAllResult>, ValidationProblem>> ReplayAllAsync(DeadLetterReplay replay, KafkaOptions kafka, CancellationToken ct, string? topic = null)
    {
        // A topic we do not consume would match nothing, and read as "nothing left to replay".
        var topics = kafka.Topics.All;
        return topic is not null && !topics.Contains(topic)
            ? Problems.Invalid("topic", $"topic is one of {string.Join(", ", topics)}.")
            : TypedResults.Ok(await replay.ReplayAllAsync(topic, ct));
    }

    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> ReplayAsync(long id, DeadLetterReplay replay, CancellationToken ct) =>
        await replay.ReplayAsync(id, ct) switch
        {
            { Found: false } => (ProblemHttpResult)Problems.NotFoundResult($"There is no dead letter {id}."),
            { Applied: { } outcome } => TypedResults.Ok(new IngestResponse(outcome.Status.ToString().ToLowerInvariant(), outcome.Position)),
            var failing => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: Problems.DomainRule("record_unappliable"), title: "The record still cannot be applied", detail: failing.Reason),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> DiscardAsync(long id, IngestDeadLetters deadLetters, CancellationToken ct) =>
        await deadLetters.RemoveAsync(id, ct) ? TypedResults.NoContent() : (ProblemHttpResult)Problems.NotFoundResult($"There is no dead letter {id}.");

    private static async Task<Results<Ok<ShowRow>, ProblemHttpResult>> ShowAsync(string id, TicketQueries queries, ProjectionProgress progress, CancellationToken ct, long? minPosition = null) =>
        // A show's availability comes from its orders, which the tickets projection keeps.
        (await ReadYourWrites.LaggingAsync(progress, "shows", minPosition, ct) ?? await ReadYourWrites.LaggingAsync(progress, "tickets", minPosition, ct)) is { } lagging ? lagging
        : await queries.ShowAsync(id, ct) is { } show ? TypedResults.Ok(show)
        : (ProblemHttpResult)Problems.NotFoundResult($"Ticket event {id} is not known.");

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> OrderAsync(string id, TicketQueries queries, ProjectionProgress progress, CancellationToken ct, long? minPosition = null) =>
        await ReadYourWrites.LaggingAsync(progress, "tickets", minPosition, ct) is { } lagging ? lagging
        : await queries.OrderAsync(id, ct) is { } order ? TypedResults.Ok(order)
        : (ProblemHttpResult)Problems.NotFoundResult($"Order {id} is not known.");

    private static async Task<Results<Ok<IReadOnlyList<TicketRow>>, ValidationProblem, ProblemHttpResult>> TicketsAsync(
        TicketQueries queries, ProjectionProgress progress, CancellationToken ct, string? eventId = null, string? status = null, int limit = 100, string? afterTicketId = null, long? minPosition = null)
    {
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "limit is 1 to 1000.");
        }

        if (Problems.NotOneOf("status", status, TicketsProjection.Statuses) is { } unknownStatus)
        {
            return unknownStatus;
        }

        return await ReadYourWrites.LaggingAsync(progress, "tickets", minPosition, ct) is { } lagging
            ? lagging
            : TypedResults.Ok(await queries.TicketsAsync(eventId, status, limit, afterTicketId, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<ParkedCount>>, ProblemHttpResult>> ParkedAsync(TicketQueries queries, ProjectionProgress progress, CancellationToken ct, long? minPosition = null) =>
        // Waiting orders are counted by the parked read model, waiting refunds by the tickets one.
        (await ReadYourWrites.LaggingAsync(progress, "parked", minPosition, ct) ?? await ReadYourWrites.LaggingAsync(progress, "tickets", minPosition, ct)) is { } lagging
            ? lagging
            : TypedResults.Ok(await queries.ParkedAsync(ct));

    private static async Task<Results<Ok<OrderAsOfResponse>, ValidationProblem, ProblemHttpResult>> OrderHistoryAsync(
        string id, string? asOf, CommandHandler handler, CancellationToken ct)
    {
        if (!AsOf.TryParse(asOf, out var point))
        {
            return Problems.Invalid("asOf", AsOf.Problem);
        }

        var (order, version) = await handler.LoadUntilAsync(TicketOrder.Decider, TicketOrder.StreamId(id), point.Includes, ct);
        return order.Last is { } last
            ? TypedResults.Ok((last, version).ToResponse<OrderAsOfResponse>())
            : (ProblemHttpResult)Problems.NotFoundResult($"Order {id} did not exist then.");
    }
}

/// <summary>An order as the seller had reported it by a version or moment of its stream (the buyer left out).</summary>
public sealed record OrderAsOfResponse(string OrderId, long Version, string? Number, IReadOnlyList<TicketLine> Tickets);
