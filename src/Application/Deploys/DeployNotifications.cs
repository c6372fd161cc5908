using System.Security.Cryptography;
using System.Text;
using EventSourced.Domain.Deploys;
using EventSourced.Domain.Messages;

namespace EventSourced.Application.Deploys;

/// <summary>The text each deploy handler sends, from a template that configuration may override.</summary>
public interface IDeployTemplates
{
    string Render(DeployHandler handler, DeployStatusReported deploy);
}

/// <summary>Who deploy notifications go to (section Deploys:Notifications).</summary>
public sealed class DeployNotificationOptions
{
    /// <summary>The owner of notification messages: their failed deliveries are listed for this user (and operators).</summary>
    public string Owner { get; set; } = "deploys";

    /// <summary>The Telegram chat the telegram handler writes to.</summary>
    public string? TelegramChatId { get; set; }
}

/// <summary>
/// What a reported deploy's handlers send: one notification message per handler, delivered by the
/// delivery saga like any message. Message ids follow from the deploy event and the handler, so
/// planning the same deploy again (a restarted notifier) schedules nothing new.
/// </summary>
public static class DeployNotifications
{
    public static IEnumerable<ScheduleNotification> For(Guid deployEventId, DeployStatusReported deploy, IDeployTemplates templates, DeployNotificationOptions options, DateTimeOffset at)
    {
        foreach (var handler in deploy.Handlers)
        {
            List<NotificationTarget> targets = handler switch
            {
                DeployHandler.Log => [new(Channel.Log, "deploys", "deploy log")],
                DeployHandler.Tracker => deploy.TicketKeys.Select(key => new NotificationTarget(Channel.Tracker, key, key)).ToList(),
                // Without a configured chat the delivery fails visibly (failed queue) rather than vanishing.
                DeployHandler.Telegram => [new(Channel.Telegram, options.TelegramChatId ?? "", "deploy chat")],
                DeployHandler.LoadTest => [new(Channel.LoadTest, deploy.Application, deploy.Application)],
                _ => [],
            };
            if (targets.Count > 0)
            {
                yield return new ScheduleNotification(
                    MessageIdOf(deployEventId, handler), options.Owner, Fit(templates.Render(handler, deploy)), targets, "deploy-notifier", at);
            }
        }
    }

    // A long comment in a template must not make the notification invalid: it is cut, visibly.
    private static string Fit(string text) =>
        string.IsNullOrWhiteSpace(text) ? "(empty notification)"
        : text.Length <= Message.MaxTextLength ? text
        : string.Concat(text.AsSpan(0, Message.MaxTextLength - 1), "…");

    public static Guid MessageIdOf(Guid deployEventId, DeployHandler handler)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"deploy-notification:{deployEventId}:{handler}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
