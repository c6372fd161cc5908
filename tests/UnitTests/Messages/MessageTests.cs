using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
using FluentAssertions;

namespace EventSourced.UnitTests.Messages;

public sealed class MessageTests
{
    private const string Owner = "owner-1";
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly Recipient Artem = new(Guid.CreateVersion7(), "Artem", new MessengerIds("@artem_ivanov", "+4915112345678", null));
    private static readonly Recipient Olga = new(Guid.CreateVersion7(), "Olga", new MessengerIds(null, null, "olga"));

    private static ScheduleMessage Schedule(string text = "Hello", DateTimeOffset? notBefore = null, params Recipient[] recipients) =>
        new(Id, Owner, text, notBefore, recipients.Length == 0 ? [Artem, Olga] : recipients, Owner, Now);

    private static IReadOnlyList<IMessageEvent> Decide(IMessageCommand command, params IMessageEvent[] given) =>
        Message.Decider.Decide(command, Message.Decider.Fold(given));

    [Fact]
    public void Given_nothing_When_scheduling_Then_one_delivery_is_fixed_per_recipient_and_messenger()
    {
        var scheduled = Decide(Schedule()).Should().ContainSingle().Which.Should().BeOfType<MessageScheduled>().Subject;

        scheduled.Deliveries.Select(d => (d.ContactName, d.Channel, d.Address)).Should().Equal(
            ("Artem", Channel.Telegram, "@artem_ivanov"), ("Artem", Channel.WhatsApp, "+4915112345678"), ("Olga", Channel.Viber, "olga"));
        scheduled.Deliveries.Select(d => d.DeliveryId).Should().OnlyHaveUniqueItems();
        scheduled.NotBefore.Should().Be(Now);
    }

    [Fact]
    public void A_users_message_names_each_recipient_where_its_text_says_name_and_a_notification_or_an_older_message_goes_as_written()
    {
        var scheduled = (MessageScheduled)Decide(Schedule("Hello, {name}! {name}, doors at six."))[0];
        var notification = (MessageScheduled)Decide(new ScheduleNotification(Id, Owner, "Deploy of {name}", [new NotificationTarget(Channel.Log, "log", "deploys")], Owner, Now))[0];
        var message = Message.Decider.Fold([scheduled]);

        scheduled.Personalized.Should().BeTrue();
        message.Deliveries.Select(message.TextFor).Should().Equal("Hello, Artem! Artem, doors at six.", "Hello, Artem! Artem, doors at six.", "Hello, Olga! Olga, doors at six.");
        Message.Decider.Fold([notification]).TextFor(notification.Deliveries[0]).Should().Be("Deploy of {name}");
        Message.Decider.Fold([scheduled with { Personalized = false }]).TextFor(scheduled.Deliveries[0]).Should().Be("Hello, {name}! {name}, doors at six.", "scheduled before, its braces meant nothing");
    }

    [Fact]
    public void Deciding_twice_fixes_the_same_delivery_ids() =>
        ((MessageScheduled)Decide(Schedule())[0]).Deliveries.Should().Equal(((MessageScheduled)Decide(Schedule())[0]).Deliveries);

    [Fact]
    public void A_future_not_before_is_kept_and_a_past_one_means_now()
    {
        ((MessageScheduled)Decide(Schedule(notBefore: Now.AddHours(2)))[0]).NotBefore.Should().Be(Now.AddHours(2));
        ((MessageScheduled)Decide(Schedule(notBefore: Now.AddHours(-2)))[0]).NotBefore.Should().Be(Now);
    }

    [Fact]
    public void The_same_recipient_twice_gets_each_delivery_once() =>
        ((MessageScheduled)Decide(Schedule("Hi", null, Olga, Olga))[0]).Deliveries.Should().ContainSingle();

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_text_is_refused(string text) =>
        FluentActions.Invoking(() => Decide(Schedule(text))).Should().Throw<InvalidMessageException>();

    [Fact]
    public void A_text_of_4096_characters_is_accepted_and_one_more_is_refused()
    {
        Decide(Schedule(new string('a', 4096))).Should().ContainSingle();
        FluentActions.Invoking(() => Decide(Schedule(new string('a', 4097)))).Should().Throw<InvalidMessageException>();
    }

    [Fact]
    public void Given_a_scheduled_message_When_the_same_schedule_is_retried_Then_nothing_happens()
    {
        var scheduled = Decide(Schedule())[0];

        Decide(Schedule(), scheduled).Should().BeEmpty();
        FluentActions.Invoking(() => Decide(Schedule("Other text"), scheduled)).Should().Throw<MessageAlreadyExistsException>();
    }

    [Fact]
    public void Given_a_scheduled_message_When_cancelling_it_twice_Then_it_is_cancelled_once()
    {
        var scheduled = Decide(Schedule())[0];
        var cancelled = Decide(new CancelMessage(Id, Owner, Owner, Now), scheduled);

        cancelled.Should().Equal(new MessageCancelled(Id, Owner, Owner, Now));
        Decide(new CancelMessage(Id, Owner, Owner, Now), scheduled, cancelled[0]).Should().BeEmpty();
    }

    [Fact]
    public void Cancelling_a_message_that_does_not_exist_or_is_another_owners_is_not_found()
    {
        var scheduled = Decide(Schedule())[0];

        FluentActions.Invoking(() => Decide(new CancelMessage(Id, Owner, Owner, Now))).Should().Throw<MessageNotFoundException>();
        FluentActions.Invoking(() => Decide(new CancelMessage(Id, "owner-2", "owner-2", Now), scheduled)).Should().Throw<MessageNotFoundException>();
    }

    [Fact]
    public void A_delivery_retries_after_a_transient_failure_then_succeeds_and_a_late_duplicate_changes_nothing()
    {
        var scheduled = (MessageScheduled)Decide(Schedule())[0];
        var delivery = scheduled.Deliveries[0].DeliveryId;
        var history = new List<IMessageEvent> { scheduled };

        history.AddRange(Decide(new StartDeliveryAttempt(Id, Owner, delivery, Now), [.. history]));
        history.AddRange(Decide(new RecordDeliveryFailure(Id, Owner, delivery, "503", false, Now.AddSeconds(2), Now), [.. history]));
        history.AddRange(Decide(new StartDeliveryAttempt(Id, Owner, delivery, Now.AddSeconds(2)), [.. history]));
        history.AddRange(Decide(new RecordDeliverySuccess(Id, Owner, delivery, "p-1", Now.AddSeconds(3)), [.. history]));

        history.Skip(1).Select(e => e.GetType().Name).Should().Equal(
            nameof(DeliveryAttempted), nameof(DeliveryAttemptFailed), nameof(DeliveryAttempted), nameof(DeliverySucceeded));
        ((DeliverySucceeded)history[^1]).Attempt.Should().Be(2);
        Decide(new RecordDeliverySuccess(Id, Owner, delivery, "p-1", Now.AddSeconds(4)), [.. history]).Should().BeEmpty();
        Decide(new StartDeliveryAttempt(Id, Owner, delivery, Now.AddSeconds(4)), [.. history]).Should().BeEmpty();
    }

    [Fact]
    public void A_failed_delivery_can_be_redelivered_with_its_attempts_reset_or_discarded_but_a_delivered_one_cannot()
    {
        var scheduled = (MessageScheduled)Decide(Schedule())[0];
        var (failing, delivered) = (scheduled.Deliveries[0].DeliveryId, scheduled.Deliveries[1].DeliveryId);
        IMessageEvent[] given =
        [
            scheduled,
            new DeliveryAttempted(Id, failing, 1, Now), new DeliveryFailed(Id, failing, 1, "400 chat not found", true, Now),
            new DeliveryAttempted(Id, delivered, 1, Now), new DeliverySucceeded(Id, delivered, 1, null, Now),
        ];

        var redelivery = Decide(new RedeliverDelivery(Id, Owner, failing, Owner, Now), given);
        var afterRedelivery = Decide(new StartDeliveryAttempt(Id, Owner, failing, Now), [.. given, .. redelivery]);

        redelivery.Should().ContainSingle().Which.Should().BeOfType<DeliveryRedeliveryRequested>();
        afterRedelivery.Should().ContainSingle().Which.Should().BeOfType<DeliveryAttempted>().Which.Attempt.Should().Be(1);
        Decide(new DiscardDelivery(Id, Owner, failing, Owner, Now), given).Should().ContainSingle().Which.Should().BeOfType<DeliveryDiscarded>();
        FluentActions.Invoking(() => Decide(new RedeliverDelivery(Id, Owner, delivered, Owner, Now), given)).Should().Throw<DeliveryNotFailedException>();
        FluentActions.Invoking(() => Decide(new RedeliverDelivery(Id, "someone-else", failing, "someone-else", Now), given)).Should().Throw<MessageNotFoundException>();
        FluentActions.Invoking(() => Decide(new DiscardDelivery(Id, Owner, Guid.NewGuid(), Owner, Now), given)).Should().Throw<DeliveryNotFoundException>();
    }

    [Fact]
    public void Out_of_retries_or_a_permanent_failure_fails_the_delivery_and_cancelling_stops_only_what_is_not_in_flight()
    {
        var scheduled = (MessageScheduled)Decide(Schedule())[0];
        var (inFlight, waiting) = (scheduled.Deliveries[0].DeliveryId, scheduled.Deliveries[1].DeliveryId);
        IMessageEvent[] given = [scheduled, new DeliveryAttempted(Id, inFlight, 1, Now), new MessageCancelled(Id, Owner, Owner, Now)];

        Decide(new RecordDeliveryFailure(Id, Owner, inFlight, "timeout", false, null, Now), given)
            .Should().ContainSingle().Which.Should().BeOfType<DeliveryFailed>().Which.Permanent.Should().BeFalse();
        Decide(new StartDeliveryAttempt(Id, Owner, waiting, Now), given).Should().BeEmpty();
    }
}
