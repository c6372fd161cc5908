using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Tickets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Tickets;

/// <summary>
/// The ticket seller's records, taken exactly as a Kafka record carries them: the body as sent,
/// the record key in X-Message-Key and the record headers as HTTP headers, for senders without
/// Kafka. The Kafka consumer uses the same decoder and ingestion (docs/adr/0019).
/// </summary>
public static class IngestEndpoints
{
    public const string KeyHeader = "X-Message-Key";
    public const string SchemaVersionHeader = "schema-version";
    public const string ApplicationIdHeader = "application-id";

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/ingest/{kind}", IngestAsync).WithTags("Tickets").WithName("IngestTicketRecord")
            .WithSummary("Takes a ticket event, order or refund record (JSON or protobuf) with its key and headers; orders and refunds for unknown entities are parked.")
            .Accepts<byte[]>("application/json", "application/x-protobuf")
            .RequireAuthorization(Roles.TicketSource);
        return routes;
    }

    private static async Task<Results<Accepted<IngestResponse>, ValidationProblem, ProblemHttpResult>> IngestAsync(
        string kind, HttpContext http, ITicketMessageDecoder decoder, TicketIngestion ingestion, TimeProvider clock, CancellationToken ct)
    {
        var request = http.Request;
        var problems = new Dictionary<string, string[]>();
        if (!Enum.TryParse<TicketMessageKind>(kind, ignoreCase: true, out var messageKind) || int.TryParse(kind, out _))
        {
            return (ProblemHttpResult)Problems.NotFoundResult($"There is no ingest of '{kind}'; use events, orders or refunds.");
        }

        var key = Header(request, KeyHeader, problems);
        var schemaVersion = Header(request, SchemaVersionHeader, problems);
        var applicationId = Header(request, ApplicationIdHeader, problems);
        var contentType = request.ContentType ?? "";
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        // A source's credentials are for its own application ids only.
        if (!http.MayReportFor(applicationId!))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: Problems.Forbidden, title: $"This key may not send records of application '{applicationId}'.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        var envelope = new TicketEnvelope(key!, contentType, schemaVersion!, applicationId!, clock.GetUtcNow());
        try
        {
            var command = decoder.Decode(messageKind, envelope, body.GetBuffer().AsMemory(0, (int)body.Length));
            var outcome = await ingestion.IngestAsync(command, CorrelationMiddleware.CommandContextOf(http), ct);
            return TypedResults.Accepted((string?)null, new IngestResponse(outcome.Status.ToString().ToLowerInvariant(), outcome.Position));
        }
        catch (UndecodableMessageException e)
        {
            return Problems.Invalid(e.Field, e.Reason);
        }
        catch (UnsupportedContentTypeException e)
        {
            return TypedResults.Problem(detail: e.Message, statusCode: StatusCodes.Status415UnsupportedMediaType, type: Problems.BadRequest, title: "Unsupported content type");
        }
    }

    private static string? Header(HttpRequest request, string name, Dictionary<string, string[]> problems)
    {
        var value = request.Headers[name].ToString();
        if (value.Length is 0 or > 200)
        {
            problems[name] = [$"The {name} header is required (1 to 200 characters)."];
            return null;
        }

        return value;
    }
}

/// <param name="Status">applied, unchanged (a redelivery) or parked (waiting for the show or order it refers to).</param>
public sealed record IngestResponse(string Status, long? Position);
