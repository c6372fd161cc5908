using EventSourced.Application.EventStore;
using EventSourced.Domain.Deciding;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace EventSourced.Api.Http;

/// <summary>Turns every exception that reaches the pipeline into problem+json with a stable type.</summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ToProblem(httpContext, exception);
        // Only the unexpected is an error in the log. A 503 (a read model still being created on a
        // fresh store, the database away) is an expected state that readiness reports already.
        if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(logger, exception, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails ToProblem(HttpContext context, Exception exception) => exception switch
    {
        BadHttpRequestException e when QueryValueProblems.From(e) is { } invalid => invalid,
        BadHttpRequestException e => new ProblemDetails
        {
            Status = e.StatusCode,
            Type = Problems.BadRequest,
            Title = "The request could not be read",
            Detail = e.InnerException is System.Text.Json.JsonException json ? JsonBodyProblems.Detail(json)
                // The framework's own words here ("Implicit body inferred … use a Service instead?") speak to us, not to the caller.
                : HasNoBody(context.Request) ? "This request takes a JSON body, and none was sent."
                : e.Message,
        },
        WrongExpectedVersionException e when context.Request.Headers.IfMatch.Count > 0 => Conflict(
            StatusCodes.Status412PreconditionFailed, Problems.PreconditionFailed, "The resource changed since it was read", e),
        WrongExpectedVersionException e => Conflict(
            StatusCodes.Status409Conflict, Problems.ConcurrencyConflict, "The resource was changed concurrently; retry", e),
        EventIdReusedException e => new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Type = Problems.IdempotencyConflict,
            Title = "An idempotency key was reused for a different request",
            Detail = e.Message,
        },
        DomainException e => WithDetails(e, new ProblemDetails
        {
            Status = e.Kind switch
            {
                DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
                DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
                DomainErrorKind.Stale => StatusCodes.Status412PreconditionFailed,
                _ => StatusCodes.Status422UnprocessableEntity,
            },
            Type = Problems.DomainRule(e.Code),
            Title = "The command was refused",
            Detail = e.Message,
        }),
        // A read model whose first generation is still being created (a fresh install starting up).
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } e when e.MessageText.Contains("\"rm.", StringComparison.Ordinal) => new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Type = Problems.Unavailable,
            Title = "A read model is still being created; retry shortly",
        },
        var e when StoreUnavailable.Is(e) => new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Type = Problems.Unavailable,
            Title = "The service is temporarily unavailable; retry shortly",
        },
        _ => new ProblemDetails
        {
            Status = StatusCodes.Status500InternalServerError,
            Type = Problems.Internal,
            Title = "An unexpected error occurred",
        },
    };

    private static bool HasNoBody(HttpRequest request) =>
        request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0);

    private static ProblemDetails WithDetails(DomainException e, ProblemDetails problem)
    {
        foreach (var (name, value) in e.Details)
        {
            problem.Extensions[name] = value;
        }

        return problem;
    }

    private static ProblemDetails Conflict(int status, string type, string title, WrongExpectedVersionException e) => new()
    {
        Status = status,
        Type = type,
        Title = title,
        Detail = e.Message,
        Extensions = { ["currentVersion"] = e.ActualVersion },
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, PathString path);
}
