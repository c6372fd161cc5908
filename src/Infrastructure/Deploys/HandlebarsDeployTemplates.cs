using EventSourced.Application.Deploys;
using EventSourced.Domain.Deploys;
using HandlebarsDotNet;
using Microsoft.Extensions.Configuration;

namespace EventSourced.Infrastructure.Deploys;

/// <summary>
/// Handlebars templates per handler; Deploys:Templates:{Log|Tracker|Telegram|LoadTest} overrides a
/// default. A template sees application, environment, version, status, comment, ticketKeys,
/// source, reportedBy and reportedAt.
/// </summary>
public sealed class HandlebarsDeployTemplates : IDeployTemplates
{
    public static readonly IReadOnlyDictionary<DeployHandler, string> Defaults = new Dictionary<DeployHandler, string>
    {
        [DeployHandler.Log] = "Deploy {{application}} {{version}} to {{environment}}: {{status}}{{#if comment}} ({{comment}}){{/if}}",
        [DeployHandler.Tracker] = "{{application}} {{version}} is {{status}} in {{environment}}.{{#if comment}}\n\n{{comment}}{{/if}}",
        [DeployHandler.Telegram] = "{{application}} {{version}} → {{environment}}: {{status}}{{#each ticketKeys}} {{this}}{{/each}}",
        [DeployHandler.LoadTest] = "Load test {{application}} {{version}} in {{environment}}",
    };

    // Plain text goes out (chats, tracker comments), so nothing is HTML-escaped.
    private static readonly IHandlebars Engine = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });

    private static readonly DeployStatusReported Sample = new(
        "app", "production", "1.0", DeployStatus.Deployed, "RASP-1", ["RASP-1"], "api", [], "ci", DateTimeOffset.UnixEpoch);

    private readonly Dictionary<DeployHandler, HandlebarsTemplate<object, object>> _compiled = [];

    /// <summary>
    /// Compiles every template and renders it once, as the node starts: an operator's template
    /// that does not compile, or calls a helper there is none of, stops the start with its
    /// setting's name, rather than failing each deploy's notifications later.
    /// </summary>
    /// <exception cref="InvalidOperationException">A template that cannot be used.</exception>
    public HandlebarsDeployTemplates(IConfiguration configuration)
    {
        foreach (var handler in Defaults.Keys)
        {
            var setting = $"Deploys:Templates:{handler}";
            try
            {
                _compiled[handler] = Engine.Compile(configuration[setting] ?? Defaults[handler]);
                Render(handler, Sample);
            }
            catch (HandlebarsException e)
            {
                throw new InvalidOperationException($"{setting} is not a template this service can render: {e.Message}", e);
            }
        }
    }

    public string Render(DeployHandler handler, DeployStatusReported deploy) =>
        _compiled[handler](new Dictionary<string, object?>
        {
            ["application"] = deploy.Application,
            ["environment"] = deploy.Environment,
            ["version"] = deploy.Version,
            ["status"] = deploy.Status.ToString().ToLowerInvariant(),
            ["comment"] = deploy.Comment,
            ["ticketKeys"] = deploy.TicketKeys,
            ["source"] = deploy.Source,
            ["reportedBy"] = deploy.ReportedBy,
            ["reportedAt"] = deploy.ReportedAt.ToString("u"),
        });
}
