using System.Net.Http.Headers;
using EventSourced.Application.Commands;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Deploys;

namespace EventSourced.Api.Deploys;

/// <summary>Where the polling source reads environments' statuses (section Deploys:Polling); off without a Url.</summary>
public sealed class DeployPollingOptions
{
    /// <summary>The platform's status endpoint: a JSON list of { environmentId, status, version, comment }.</summary>
    public Uri? Url { get; set; }

    public string? Token { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The handlers told of each deploy the poller records.</summary>
    public string[] Handlers { get; set; } = ["log"];
}

/// <summary>
/// The deploy platform's polling source: reads every environment's status each interval and
/// reports it as a deploy. Reporting a status that has not changed records nothing (the deploy
/// timeline decides that), so only changes become deploys, and a restart loses none.
/// </summary>
public sealed partial class DeployStatusPoller(
    HttpClient http, DeployPollingOptions options, CommandHandler handler, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<DeployStatusPoller> logger) : BackgroundService
{
    private static readonly CommandContext Poller = new("deploy-poller", "deploy-poller", null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handlers = DeployStatusNames.ParseHandlers(options.Handlers, out var unknown);
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"Deploys:Polling:Handlers names unknown handler(s): {string.Join(", ", unknown)}.");
        }

        // Not before the host listens: the development run polls the emulator in this very host,
        // and its first poll, made while the host was still starting, was refused at every start.
        await StartedAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Interval, clock);
        do
        {
            try
            {
                await PollAsync(handlers, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(logger, e, options.Url!);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task StartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(ct);
        }
    }

    private async Task PollAsync(IReadOnlyList<DeployHandler> handlers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Url);
        if (options.Token is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var environments = await response.Content.ReadFromJsonAsync<QloudHookRequest[]>(ct) ?? [];
        foreach (var environment in environments)
        {
            var (application, name) = DeployStatusNames.SplitEnvironmentId(environment.EnvironmentId);
            if (application is null || name is null || DeployStatusNames.Parse(environment.Status) is not { } status || environment.Version is null)
            {
                LogSkipped(logger, environment.EnvironmentId);
                continue;
            }

            try
            {
                var command = new RecordDeploy(application, name, environment.Version, status, environment.Comment, "poll", handlers, Poller.Actor, clock.GetUtcNow());
                await handler.HandleAsync(DeployTimeline.Decider, DeployTimeline.StreamId(application, name), command, Poller, ct: ct);
            }
            catch (DomainException e)
            {
                LogRefused(logger, environment.EnvironmentId, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The deploy platform's status at {Url} could not be read; polling again at the next interval")]
    private static partial void LogPollFailed(ILogger logger, Exception e, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The deploy platform listed {EnvironmentId} without a readable status or version; skipped")]
    private static partial void LogSkipped(ILogger logger, string? environmentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The deploy platform's status of {EnvironmentId} was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? environmentId, string reason);
}

public static class DeployPollingServiceCollectionExtensions
{
    public static IServiceCollection AddDeployPolling(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Deploys:Polling").Get<DeployPollingOptions>() ?? new DeployPollingOptions();
        if (options.Url is null)
        {
            return services;
        }

        services.AddSingleton(options);
        services.AddHttpClient<DeployStatusPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<DeployStatusPoller>());
        return services;
    }
}
