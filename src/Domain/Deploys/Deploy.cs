using System.Text.RegularExpressions;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Deploys;

public enum DeployStatus
{
    Deploying,
    Deployed,
    Failed,
}

/// <summary>Who is told of a deploy: a log line, an issue-tracker comment per ticket, a Telegram chat, a load-test run.</summary>
public enum DeployHandler
{
    Log,
    Tracker,
    Telegram,
    LoadTest,
}

/// <summary>A deploy of <paramref name="Version"/> reached <paramref name="Status"/> in one environment of one application.</summary>
public sealed record DeployStatusReported(
    string Application,
    string Environment,
    string Version,
    DeployStatus Status,
    string? Comment,
    IReadOnlyList<string> TicketKeys,
    string Source,
    IReadOnlyList<DeployHandler> Handlers,
    string ReportedBy,
    DateTimeOffset ReportedAt);

/// <param name="Source">Where the report came from: api, qloud or http.</param>
public sealed record RecordDeploy(
    string Application,
    string Environment,
    string Version,
    DeployStatus Status,
    string? Comment,
    string Source,
    IReadOnlyList<DeployHandler> Handlers,
    string Actor,
    DateTimeOffset At);

public sealed class InvalidDeployException(string reason) : DomainException(reason)
{
    public override string Code => "invalid_deploy";
}

/// <summary>The deploys of one application to one environment, in the order they were reported.</summary>
public sealed partial record DeployTimeline(string? Version, DeployStatus? Status)
{
    public static readonly DeployTimeline Empty = new(null, null);

    public static readonly Decider<RecordDeploy, DeployStatusReported, DeployTimeline> Decider = new(Decide, Evolve, Empty);

    public static string StreamId(string application, string environment) => $"deploys-{application}:{environment}";

    /// <summary>Application and environment names: letters, digits, '.', '_' and '-', as deploy platforms name them.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Issue-tracker keys such as RASP-123 mentioned in a comment, each once, in order.</summary>
    public static IReadOnlyList<string> TicketKeysIn(string? comment) =>
        comment is null ? [] : TicketKeyPattern().Matches(comment).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();

    private static IReadOnlyList<DeployStatusReported> Decide(RecordDeploy record, DeployTimeline timeline)
    {
        if (!IsValidName(record.Application) || !IsValidName(record.Environment) || string.IsNullOrWhiteSpace(record.Version) || record.Version.Length > 100)
        {
            throw new InvalidDeployException("Application, environment and version are required (names: letters, digits, '.', '_', '-').");
        }

        // Hooks retry and platforms report the same state more than once: that is not a transition.
        if (timeline.Version == record.Version && timeline.Status == record.Status)
        {
            return [];
        }

        return [new DeployStatusReported(record.Application, record.Environment, record.Version, record.Status, record.Comment,
            TicketKeysIn(record.Comment), record.Source, record.Handlers.Distinct().ToList(), record.Actor, record.At)];
    }

    private static DeployTimeline Evolve(DeployTimeline timeline, DeployStatusReported e) => new(e.Version, e.Status);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9]{1,19}-[0-9]{1,9}\b")]
    private static partial Regex TicketKeyPattern();
}
