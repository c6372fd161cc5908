using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Http;

/// <summary>Stable problem type URIs (RFC 9457); clients may switch on them.</summary>
public static class Problems
{
    public const string Validation = "urn:eventsourced:problem:validation";
    public const string BadRequest = "urn:eventsourced:problem:bad-request";
    public const string NotFound = "urn:eventsourced:problem:not-found";
    public const string Unauthorized = "urn:eventsourced:problem:unauthorized";
    public const string Forbidden = "urn:eventsourced:problem:forbidden";
    public const string MethodNotAllowed = "urn:eventsourced:problem:method-not-allowed";
    public const string UnsupportedMediaType = "urn:eventsourced:problem:unsupported-media-type";
    public const string ConcurrencyConflict = "urn:eventsourced:problem:concurrency-conflict";
    public const string PreconditionFailed = "urn:eventsourced:problem:precondition-failed";
    public const string IdempotencyConflict = "urn:eventsourced:problem:idempotency-conflict";
    public const string Unavailable = "urn:eventsourced:problem:unavailable";
    public const string TooManyRequests = "urn:eventsourced:problem:too-many-requests";
    public const string Internal = "urn:eventsourced:problem:internal";

    public static string DomainRule(string code) => $"urn:eventsourced:problem:{code}";

    /// <summary>A 400 validation problem for one field.</summary>
    public static ValidationProblem Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A 400 validation problem listing every field's problems.</summary>
    public static ValidationProblem Invalid(IDictionary<string, string[]> problems) => TypedResults.ValidationProblem(problems, type: Validation);

    /// <summary>
    /// A 400 when a filter names a value its read model never holds, or null when it is absent or
    /// known: a misspelt status would otherwise match nothing and read as "there are none".
    /// </summary>
    public static ValidationProblem? NotOneOf(string field, string? value, IReadOnlyList<string> known) =>
        value is null || known.Contains(value) ? null : Invalid(field, $"{field} is one of: {string.Join(", ", known)}.");

    /// <summary>Answers with a problem from middleware, where no endpoint result exists.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string type, string title, string? detail = null)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }

    public static IResult NotFoundResult(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: NotFound);
}
