using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Domain.Deploys;
using EventSourced.Projections.Deploys;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Deploys;

/// <summary>Three ways deploys are reported, each mapped at the edge to the same RecordDeploy command.</summary>
public static class DeployEndpoints
{
    public static IEndpointRouteBuilder MapDeployEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/deploys", ReportAsync).WithTags("Deploys").WithName("ReportDeploy")
            .WithSummary("Records a deploy status from CI; the same status reported twice is recorded once.")
            .RequireAuthorization(Roles.DeploySource);
        routes.MapPost("/source/qloud", QloudAsync).WithTags("Deploys").WithName("QloudDeployHook")
            .WithSummary("The deploy platform's hook: environmentId project.application.environment, status, version, comment; ?handlers=telegram,tracker.")
            .RequireAuthorization(Roles.DeploySource);
        routes.MapPost("/source/http", ReleaseTaskAsync).WithTags("Deploys").WithName("ReleaseTaskReport")
            .WithSummary("A build-and-release task's report: result started, success or failure.")
            .RequireAuthorization(Roles.DeploySource);
        var reads = routes.MapGroup("/api/deploys").WithTags("Deploys").RequireAuthorization(p => p.RequireRole(Roles.DeploySource, Roles.Operator));
        reads.MapGet("/", TimelineAsync).WithName("DeployTimeline")
            .WithSummary("Deploy reports newest first, by application and/or environment, or those mentioning a ticket (?ticket=RASP-123); beforePosition (the last one listed) pages back.");
        reads.MapGet("/current", CurrentAsync).WithName("CurrentDeploys")
            .WithSummary("The latest status of each environment of an application.");
        return routes;
    }

    private static async Task<Results<Ok<IReadOnlyList<DeployRow>>, ValidationProblem, ProblemHttpResult>> TimelineAsync(
        DeployQueries queries, ProjectionProgress progress, CancellationToken ct,
        string? application = null, string? environment = null, string? ticket = null, int limit = 100, long? beforePosition = null, long? minPosition = null)
    {
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "limit is 1 to 1000.");
        }

        if (await ReadYourWrites.LaggingAsync(progress, "deploys", minPosition, ct) is { } lagging)
        {
            return lagging;
        }

        return TypedResults.Ok(await queries.TimelineAsync(application, environment, ticket, limit, beforePosition, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<DeployRow>>, ValidationProblem, ProblemHttpResult>> CurrentAsync(
        string? application, DeployQueries queries, ProjectionProgress progress, CancellationToken ct, long? minPosition = null)
    {
        if (!DeployTimeline.IsValidName(application))
        {
            return Problems.Invalid("application", "An application name is required.");
        }

        if (await ReadYourWrites.LaggingAsync(progress, "deploys", minPosition, ct) is { } lagging)
        {
            return lagging;
        }

        return TypedResults.Ok(await queries.CurrentAsync(application!, ct));
    }

    private static Task<Results<Accepted<DeployRecordedResponse>, ValidationProblem, ProblemHttpResult>> ReportAsync(
        DeployReportRequest r, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        RecordAsync(r.Application, r.Environment, r.Version, DeployStatusNames.Parse(r.Status), r.Comment, r.Handlers, "api", http, handler, clock, ct);

    private static Task<Results<Accepted<DeployRecordedResponse>, ValidationProblem, ProblemHttpResult>> QloudAsync(
        QloudHookRequest r, string? handlers, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        var (application, environment) = DeployStatusNames.SplitEnvironmentId(r.EnvironmentId);
        return RecordAsync(application, environment, r.Version, DeployStatusNames.Parse(r.Status), r.Comment,
            handlers?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), "qloud", http, handler, clock, ct);
    }

    private static Task<Results<Accepted<DeployRecordedResponse>, ValidationProblem, ProblemHttpResult>> ReleaseTaskAsync(
        ReleaseTaskReport r, HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct) =>
        RecordAsync(r.Application, r.Environment, r.Version, DeployStatusNames.FromTaskResult(r.Result), r.Message, r.Handlers, "http", http, handler, clock, ct);

    private static async Task<Results<Accepted<DeployRecordedResponse>, ValidationProblem, ProblemHttpResult>> RecordAsync(
        string? application, string? environment, string? version, DeployStatus? status, string? comment, string[]? handlerNames, string source,
        HttpContext http, CommandHandler handler, TimeProvider clock, CancellationToken ct)
    {
        // A hook's key reports through that hook only.
        if (!http.MayReportFor(source))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: Problems.Forbidden, title: $"This key may not report deploys through the '{source}' source.");
        }

        var problems = new Dictionary<string, string[]>();
        if (!DeployTimeline.IsValidName(application))
        {
            problems["application"] = ["An application name (letters, digits, '.', '_', '-') is required."];
        }

        if (!DeployTimeline.IsValidName(environment))
        {
            problems["environment"] = ["An environment name (letters, digits, '.', '_', '-') is required."];
        }

        if (string.IsNullOrWhiteSpace(version) || version.Length > 100)
        {
            problems["version"] = ["A version of 1 to 100 characters is required."];
        }

        if (status is null)
        {
            var (field, words) = DeployStatusNames.StatusWordsOf(source);
            problems[field] = [$"{field} is one of: {words}."];
        }

        if (comment is { Length: > 4000 })
        {
            problems["comment"] = ["A comment is at most 4000 characters."];
        }

        var handlers = DeployStatusNames.ParseHandlers(handlerNames ?? ["log"], out var unknown);
        if (unknown.Count > 0)
        {
            problems["handlers"] = [$"Unknown handler(s): {string.Join(", ", unknown)}. Known: log, tracker, telegram, loadtest."];
        }

        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var context = CorrelationMiddleware.CommandContextOf(http);
        var command = new RecordDeploy(application!, environment!, version!, status!.Value, comment, source, handlers, context.Actor, clock.GetUtcNow());
        var result = await handler.HandleAsync(DeployTimeline.Decider, DeployTimeline.StreamId(application!, environment!), command, context, ct: ct);
        return TypedResults.Accepted((string?)null, new DeployRecordedResponse(
            application!, environment!, version!, DeployStatusNames.Name(status.Value), DeployTimeline.TicketKeysIn(comment), result.Position));
    }
}
