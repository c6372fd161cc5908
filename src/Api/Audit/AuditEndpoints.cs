using System.Text.Json;
using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Audit;
using EventSourced.Application.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Audit;

/// <summary>Every stored event with its metadata, for operators.</summary>
public static class AuditEndpoints
{
    private const int MaxCount = 1000;

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        var audit = routes.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Roles.Operator);
        audit.MapGet("/streams/{stream}", StreamAsync).WithName("AuditStream")
            .WithSummary("Every event of one stream with its metadata, from a version on.");
        audit.MapGet("/", SearchAsync).WithName("AuditSearch")
            .WithSummary("Events across all streams by type, time range, correlation id or actor, page by page (next = the cursor).");
        return routes;
    }

    private static async Task<Results<Ok<AuditEventsResponse>, ValidationProblem>> StreamAsync(
        string stream, IEventStore store, CancellationToken ct, long fromVersion = 0, int count = 100)
    {
        if (fromVersion < 0 || count is < 1 or > MaxCount)
        {
            return Problems.Invalid(fromVersion < 0 ? "fromVersion" : "count", $"fromVersion >= 0 and count 1 to {MaxCount}.");
        }

        var events = await store.ReadStreamAsync(stream, ReadDirection.Forward, fromVersion, count, ct);
        return TypedResults.Ok(new AuditEventsResponse(events.Select(e => e.ToResponse<AuditEventResponse>()).ToList(), events.Count == count ? events[^1].StreamVersion + 1 : null));
    }

    private static async Task<Results<Ok<AuditEventsResponse>, ValidationProblem>> SearchAsync(
        AuditQueries queries, CancellationToken ct, string? type = null, DateTimeOffset? from = null, DateTimeOffset? to = null,
        string? correlationId = null, string? actor = null, long after = 0, int count = 100)
    {
        if (after < 0 || count is < 1 or > MaxCount)
        {
            return Problems.Invalid(after < 0 ? "after" : "count", $"after >= 0 and count 1 to {MaxCount}.");
        }

        if (await queries.UnknownTypeAsync(type, ct) is { } unknownType)
        {
            return Problems.Invalid("type", unknownType);
        }

        var page = await queries.SearchAsync(new AuditFilter(type, from, to, correlationId, actor), after, count, ct);
        return TypedResults.Ok(new AuditEventsResponse(page.Events.Select(e => e.ToResponse<AuditEventResponse>()).ToList(), page.Next));
    }
}

/// <param name="Next">Where the next page starts (a stream version, or an $all position to pass as after); null at the end.</param>
public sealed record AuditEventsResponse(IReadOnlyList<AuditEventResponse> Events, long? Next);

public sealed record AuditEventResponse(
    Guid EventId, string StreamId, long StreamVersion, long Position, string Type, JsonElement Data, EventMetadata Metadata, DateTimeOffset Timestamp)
{
    public static AuditEventResponse From(RecordedEvent e) =>
        new(e.EventId, e.StreamId, e.StreamVersion, e.Position, e.Type, JsonDocument.Parse(e.Data).RootElement.Clone(), e.Metadata, e.Timestamp);
}
