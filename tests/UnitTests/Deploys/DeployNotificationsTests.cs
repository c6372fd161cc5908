using EventSourced.Application.Deploys;
using EventSourced.Domain.Deploys;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.Deploys;
using FluentAssertions;
using Microsoft.Extensions.Configuration;

namespace EventSourced.UnitTests.Deploys;

public sealed class DeployNotificationsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly DeployNotificationOptions Options = new() { TelegramChatId = "-42" };

    [Fact]
    public void Each_handler_gets_one_message_and_the_tracker_one_delivery_per_ticket_key()
    {
        var deploy = Deploy([DeployHandler.Log, DeployHandler.Tracker, DeployHandler.Telegram, DeployHandler.LoadTest], "Fixes RASP-1, RASP-2");

        var notifications = DeployNotifications.For(Guid.NewGuid(), deploy, Templates(), Options, At).ToList();

        notifications.Select(n => n.Targets.Select(t => (t.Channel, t.Address))).Should().BeEquivalentTo(new[]
        {
            new[] { (Channel.Log, "deploys") },
            new[] { (Channel.Tracker, "RASP-1"), (Channel.Tracker, "RASP-2") },
            new[] { (Channel.Telegram, "-42") },
            new[] { (Channel.LoadTest, "rasp") },
        }, o => o.WithStrictOrdering());
        notifications.Should().OnlyContain(n => n.OwnerId == "deploys");
    }

    [Fact]
    public void Planning_the_same_deploy_again_yields_the_same_message_ids_and_the_tracker_is_skipped_without_tickets()
    {
        var eventId = Guid.NewGuid();
        var deploy = Deploy([DeployHandler.Tracker, DeployHandler.Log], comment: null);

        var first = DeployNotifications.For(eventId, deploy, Templates(), Options, At).Select(n => n.MessageId).ToList();
        var again = DeployNotifications.For(eventId, deploy, Templates(), Options, At.AddMinutes(1)).Select(n => n.MessageId).ToList();

        first.Should().ContainSingle().And.Equal(again);
        DeployNotifications.For(Guid.NewGuid(), deploy, Templates(), Options, At).Single().MessageId.Should().NotBe(first[0]);
    }

    [Fact]
    public void Templates_render_the_deploy_and_configuration_overrides_a_default_without_html_escaping()
    {
        var deploy = Deploy([DeployHandler.Telegram], "Fixes RASP-7 <b>& more</b>");

        Templates().Render(DeployHandler.Log, deploy).Should().Be("Deploy rasp 1.2.3 to production: deployed (Fixes RASP-7 <b>& more</b>)");
        Templates().Render(DeployHandler.Telegram, deploy).Should().Be("rasp 1.2.3 → production: deployed RASP-7");
        Templates(("Deploys:Templates:Telegram", "{{application}}/{{environment}}: {{comment}}")).Render(DeployHandler.Telegram, deploy)
            .Should().Be("rasp/production: Fixes RASP-7 <b>& more</b>");
    }

    [Theory]
    [InlineData("{{#if comment}}unclosed")]
    [InlineData("{{shout application}}")]
    public void A_template_that_cannot_render_stops_the_start_naming_its_setting(string template)
    {
        var building = () => Templates(("Deploys:Templates:Telegram", template));

        building.Should().Throw<InvalidOperationException>().WithMessage("Deploys:Templates:Telegram is not a template this service can render: *");
    }

    [Fact]
    public void A_text_longer_than_a_message_may_be_is_cut_visibly_so_the_notification_stays_valid()
    {
        var deploy = Deploy([DeployHandler.Log], new string('x', 4000));
        var templates = Templates(("Deploys:Templates:Log", "{{comment}} {{comment}}"));

        var notification = DeployNotifications.For(Guid.NewGuid(), deploy, templates, Options, At).Single();

        notification.Text.Should().HaveLength(Message.MaxTextLength).And.EndWith("…");
        Message.Decider.Decide(notification, Message.None).Should().ContainSingle();
    }

    [Fact]
    public void A_notification_goes_out_at_once_and_scheduling_it_again_changes_nothing()
    {
        var id = Guid.NewGuid();
        var schedule = new ScheduleNotification(id, "deploys", "rasp deployed", [new(Channel.Tracker, "RASP-1", "RASP-1")], "deploy-notifier", At);

        var events = Message.Decider.Decide(schedule, Message.None);
        var state = events.Aggregate(Message.None, Message.Decider.Evolve);

        var scheduled = events.Should().ContainSingle().Which.Should().BeOfType<MessageScheduled>().Subject;
        scheduled.NotBefore.Should().Be(At);
        scheduled.Deliveries.Should().ContainSingle(d => d.Channel == Channel.Tracker && d.Address == "RASP-1");
        Message.Decider.Decide(schedule with { Text = "another template since", At = At.AddHours(1) }, state).Should().BeEmpty();
        FluentActions.Invoking(() => Message.Decider.Decide(schedule with { Targets = [] }, Message.None)).Should().Throw<InvalidMessageException>();
    }

    private static DeployStatusReported Deploy(IReadOnlyList<DeployHandler> handlers, string? comment) =>
        new("rasp", "production", "1.2.3", DeployStatus.Deployed, comment, DeployTimeline.TicketKeysIn(comment), "api", handlers, "ci", At);

    private static HandlebarsDeployTemplates Templates(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
}
