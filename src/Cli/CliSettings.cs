using System.Text.Json;

namespace EventSourced.Cli;

/// <summary>
/// Where the API is and which key to use: a flag wins over the environment (EVENTSOURCED_URL,
/// EVENTSOURCED_API_KEY), which wins over the config file (--config, EVENTSOURCED_CONFIG, or
/// ~/.config/eventsourced/cli.json: {"url": "...", "apiKey": "..."}). How long to wait for an
/// answer: EVENTSOURCED_TIMEOUT, in seconds (30), for a slow link.
/// </summary>
public sealed record CliSettings(Uri BaseUrl, string? ApiKey, TimeSpan Timeout)
{
    public const string DefaultUrl = "http://localhost:5080";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions FileFormat = new(JsonSerializerDefaults.Web);

    /// <exception cref="CliException">The config file cannot be read, or the URL is not one.</exception>
    public static CliSettings Resolve(string? urlFlag, string? keyFlag, string? configFlag, Func<string, string?> environment)
    {
        var file = ReadFile(configFlag ?? environment("EVENTSOURCED_CONFIG") ?? DefaultConfigPath(environment));
        var url = urlFlag ?? environment("EVENTSOURCED_URL") ?? file?.Url ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"Not an http(s) URL: {url}");
        }

        return new CliSettings(baseUrl, keyFlag ?? environment("EVENTSOURCED_API_KEY") ?? file?.ApiKey, TimeoutOf(environment("EVENTSOURCED_TIMEOUT")));
    }

    // A day is more than any answer is worth waiting for, and within what a deadline can be set to (about 49 days).
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    private static TimeSpan TimeoutOf(string? seconds) =>
        seconds is null ? DefaultTimeout
        : double.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 && value <= MaxTimeout.TotalSeconds
            ? TimeSpan.FromSeconds(value)
            : throw new CliException(ExitCodes.Usage, $"EVENTSOURCED_TIMEOUT is a number of seconds above 0, up to {MaxTimeout.TotalSeconds:0} (a day), not {seconds}.");

    private static string? DefaultConfigPath(Func<string, string?> environment) =>
        environment("HOME") is { Length: > 0 } home ? Path.Combine(home, ".config", "eventsourced", "cli.json") : null;

    private static ConfigFile? ReadFile(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), FileFormat);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"Cannot read the config file {path}: {e.Message}");
        }
    }

    private sealed record ConfigFile(string? Url, string? ApiKey);
}
