using EventSourced.Domain.Deploys;

namespace EventSourced.Api.Deploys;

/// <summary>The words each source uses for statuses and handlers.</summary>
public static class DeployStatusNames
{
    public static DeployStatus? Parse(string? status) => status?.Trim().ToUpperInvariant() switch
    {
        "DEPLOYING" => DeployStatus.Deploying,
        "DEPLOYED" => DeployStatus.Deployed,
        "FAILED" => DeployStatus.Failed,
        _ => null,
    };

    /// <summary>The field a source reports its status in and the words it takes there, for a refusal.</summary>
    public static (string Field, string Words) StatusWordsOf(string source) =>
        source == "http" ? ("result", "started, success, failure") : ("status", "deploying, deployed, failed");

    public static DeployStatus? FromTaskResult(string? result) => result?.Trim().ToUpperInvariant() switch
    {
        "STARTED" => DeployStatus.Deploying,
        "SUCCESS" => DeployStatus.Deployed,
        "FAILURE" => DeployStatus.Failed,
        _ => null,
    };

    /// <summary>"rasp.api.production": the environment is the last segment, the application the rest.</summary>
    public static (string? Application, string? Environment) SplitEnvironmentId(string? environmentId)
    {
        var split = environmentId?.LastIndexOf('.') ?? -1;
        return split > 0 ? (environmentId![..split], environmentId[(split + 1)..]) : (null, null);
    }

    public static string Name(DeployStatus status) => status.ToString().ToLowerInvariant();

    public static IReadOnlyList<DeployHandler> ParseHandlers(IEnumerable<string> names, out List<string> unknown)
    {
        var handlers = new List<DeployHandler>();
        unknown = [];
        foreach (var name in names)
        {
            DeployHandler? handler = name.Trim().ToUpperInvariant() switch
            {
                "LOG" => DeployHandler.Log,
                "TRACKER" => DeployHandler.Tracker,
                "TELEGRAM" => DeployHandler.Telegram,
                "LOADTEST" => DeployHandler.LoadTest,
                _ => null,
            };
            if (handler is { } known)
            {
                handlers.Add(known);
            }
            else
            {
                unknown.Add(name);
            }
        }

        return handlers;
    }
}
