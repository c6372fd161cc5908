namespace EventSourced.Api.Deploys;

/// <summary>A deploy report from CI: status is deploying, deployed or failed; handlers are log, tracker, telegram, loadtest.</summary>
public sealed record DeployReportRequest(string? Application, string? Environment, string? Version, string? Status, string? Comment, string[]? Handlers);

/// <summary>
/// The deploy platform's hook (the seed's Qloud): environmentId is "project.application.environment"
/// (the last segment is the environment, the rest the application); status is DEPLOYING, DEPLOYED or FAILED.
/// Handlers come in the query string (?handlers=telegram,tracker).
/// </summary>
public sealed record QloudHookRequest(string? EnvironmentId, string? Status, string? Version, string? Comment);

/// <summary>A build-and-release task's report: result is started, success or failure.</summary>
public sealed record ReleaseTaskReport(string? Application, string? Environment, string? Version, string? Result, string? Message, string[]? Handlers);

public sealed record DeployRecordedResponse(string Application, string Environment, string Version, string Status, IReadOnlyList<string> TicketKeys, long? Position);
