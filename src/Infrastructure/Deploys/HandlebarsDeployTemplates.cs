using System.Collections.Concurrent;
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
public sealed class HandlebarsDeployTemplates(IConfiguration configuration) : IDeployTemplates
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

    private readonly ConcurrentDictionary<DeployHandler, HandlebarsTemplate<object, object>> _compiled = new();

    public string Render(DeployHandler handler, DeployStatusReported deploy)
    {
        var template = _compiled.GetOrAdd(handler, h => Engine.Compile(configuration[$"Deploys:Templates:{h}"] ?? Defaults[h]));
        return template(new Dictionary<string, object?>
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
}
