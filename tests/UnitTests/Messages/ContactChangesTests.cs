using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
using EventSourced.Domain.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Messages;

/// <summary>Deliveries still waiting follow their contact: removed, without the messenger, at a new id, or on a messenger gained (ADR 0039, 0040).</summary>
public sealed class ContactChangesTests
{
    private const string Owner = "owner-1";
    private const string Actor = "changed-contacts";
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly Guid Artem = Guid.CreateVersion7();
    private static readonly Guid Olga = Guid.CreateVersion7();
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    // Artem on Telegram and WhatsApp, Olga on Viber, as the message fixed them.
    private static readonly MessageScheduled Scheduled = (MessageScheduled)Message.Decider.Decide(
        new ScheduleMessage(Id, Owner, "Hello", Now.AddHours(1), [
            new Recipient(Artem, "Artem", new MessengerIds("@artem_ivanov", "+4915112345678", null)),
            new Recipient(Olga, "Olga", new MessengerIds(null, null, "olga"))], Owner, Now), Message.None)[0];

    private static readonly Guid ArtemTelegram = Scheduled.Deliveries[0].DeliveryId;
    private static readonly Guid ArtemWhatsApp = Scheduled.Deliveries[1].DeliveryId;
    private static readonly Guid OlgaViber = Scheduled.Deliveries[2].DeliveryId;

    private static ContactBook Book(params IContactEvent[] changes) => ContactBook.Decider.Fold([
        new ContactAdded(Artem, Owner, "Artem", "@artem_ivanov", "+4915112345678", null, Owner, Now),
        new ContactAdded(Olga, Owner, "Olga", null, null, "olga", Owner, Now),
        .. changes]);

    private static Message State(params IMessageEvent[] more) => Message.Decider.Fold([Scheduled, .. more]);

    private static IReadOnlyList<IMessageCommand> Commands(Message message, ContactBook book) => ContactChanges.Commands(message, book, Actor, Now);

    [Fact]
    public void Given_contacts_as_the_message_fixed_them_Then_nothing_is_asked() =>
        Commands(State(), Book()).Should().BeEmpty();

    [Fact]
    public void Given_a_changed_id_Then_the_waiting_delivery_on_that_messenger_goes_to_the_new_one() =>
        Commands(State(), Book(new ContactUpdated(Artem, Owner, "Artem", "@artem_new", "+4915112345678", null, Owner, Now)))
            .Should().Equal(new ReaddressDelivery(Id, Owner, ArtemTelegram, "@artem_new", Actor, Now));

    [Fact]
    public void Given_a_contact_that_moved_from_one_messenger_to_another_Then_the_old_ones_delivery_is_cancelled_and_one_is_planned_on_the_new() =>
        Commands(State(), Book(new ContactUpdated(Artem, Owner, "Artem", "@artem_ivanov", null, "artem-viber", Owner, Now))).Should().Equal(
            new CancelDelivery(Id, Owner, ArtemWhatsApp, "the contact no longer has a WhatsApp id", Actor, Now),
            new PlanDelivery(Id, Owner, Artem, "Artem", Channel.Viber, "artem-viber", Actor, Now));

    [Fact]
    public void Given_a_gained_messenger_When_the_message_is_due_already_Then_its_deliveries_stay_as_they_are() =>
        ContactChanges.Commands(State(), Book(new ContactUpdated(Olga, Owner, "Olga", "@olga_t", null, "olga", Owner, Now)), Actor, Scheduled.NotBefore).Should().BeEmpty();

    [Fact]
    public void Given_a_planned_delivery_Then_it_has_an_id_of_its_own_and_waits_with_the_others_and_planning_again_changes_nothing()
    {
        var plan = new PlanDelivery(Id, Owner, Olga, "Olga", Channel.Telegram, "@olga_t", Actor, Now);
        var planned = Message.Decider.Decide(plan, State()).Should().ContainSingle().Which.Should().BeOfType<DeliveryPlanned>().Subject;

        planned.Should().Be(new DeliveryPlanned(Id, planned.DeliveryId, Owner, Olga, "Olga", Channel.Telegram, "@olga_t", Scheduled.NotBefore, Actor, Now));
        Scheduled.Deliveries.Select(d => d.DeliveryId).Should().NotContain(planned.DeliveryId);
        var message = State(planned);
        message.Progress[planned.DeliveryId].Should().Be(DeliveryProgress.New);
        message.Deliveries.Should().ContainSingle(d => d.DeliveryId == planned.DeliveryId && d.Address == "@olga_t");
        Message.Decider.Decide(plan, message).Should().BeEmpty();
        Message.Decider.Decide(plan with { At = Scheduled.NotBefore }, State()).Should().BeEmpty("a message that is due gains nothing");
    }

    [Fact]
    public void Given_a_messenger_taken_off_and_put_back_When_the_message_still_waits_Then_a_delivery_is_planned_on_it_again()
    {
        var cancelled = State(new DeliveryCancelled(Id, ArtemWhatsApp, "the contact no longer has a WhatsApp id", Actor, Now));

        Commands(cancelled, Book()).Should().Equal(new PlanDelivery(Id, Owner, Artem, "Artem", Channel.WhatsApp, "+4915112345678", Actor, Now));
        ContactChanges.Commands(cancelled, Book(), Actor, Scheduled.NotBefore).Should().BeEmpty("a message that is due gains nothing");
        var discarded = State(
            new DeliveryAttempted(Id, ArtemWhatsApp, 1, Now), new DeliveryFailed(Id, ArtemWhatsApp, 1, "400", true, Now), new DeliveryDiscarded(Id, ArtemWhatsApp, Owner, Now));
        Commands(discarded, Book()).Should().BeEmpty("a delivery the owner dropped is not a messenger taken off");
    }

    [Fact]
    public void Given_a_removed_contact_Then_each_of_its_waiting_deliveries_is_cancelled() =>
        Commands(State(), Book(new ContactRemoved(Artem, Owner, Owner, Now))).Should().Equal(
            new CancelDelivery(Id, Owner, ArtemTelegram, ContactChanges.ContactRemoved, Actor, Now),
            new CancelDelivery(Id, Owner, ArtemWhatsApp, ContactChanges.ContactRemoved, Actor, Now));

    [Fact]
    public void Given_deliveries_sending_delivered_or_failed_Then_only_the_failed_one_follows_the_change()
    {
        var message = State(
            new DeliveryAttempted(Id, ArtemTelegram, 1, Now), new DeliverySucceeded(Id, ArtemTelegram, 1, null, Now),
            new DeliveryAttempted(Id, ArtemWhatsApp, 1, Now),
            new DeliveryAttempted(Id, OlgaViber, 1, Now), new DeliveryFailed(Id, OlgaViber, 1, "400 unknown receiver", true, Now));

        Commands(message, Book(new ContactRemoved(Artem, Owner, Owner, Now), new ContactUpdated(Olga, Owner, "Olga", null, null, "olga-fixed", Owner, Now)))
            .Should().Equal(new ReaddressDelivery(Id, Owner, OlgaViber, "olga-fixed", Actor, Now));
    }

    [Fact]
    public void Given_a_forgotten_contact_Then_its_deliveries_are_left_to_the_forgetting() =>
        Commands(State(), Book(new ContactUpdated(Artem, Owner, Withheld.Erased, Withheld.Erased, Withheld.Erased, null, Owner, Now))).Should().BeEmpty();

    [Fact]
    public void Given_a_readdressed_delivery_When_its_attempt_starts_Then_it_goes_to_the_new_id_and_readdressing_again_changes_nothing()
    {
        var readdress = new ReaddressDelivery(Id, Owner, ArtemTelegram, "@artem_new", Actor, Now);
        var readdressed = Message.Decider.Decide(readdress, State());

        readdressed.Should().Equal(new DeliveryReaddressed(Id, ArtemTelegram, Owner, Artem, "@artem_new", Actor, Now));
        var message = State([.. readdressed]);
        message.Deliveries.Single(d => d.DeliveryId == ArtemTelegram).Address.Should().Be("@artem_new");
        Message.Decider.Decide(readdress, message).Should().BeEmpty();
    }

    [Fact]
    public void Given_an_attempt_in_flight_When_readdressing_Then_it_ends_as_it_ends() =>
        Message.Decider.Decide(new ReaddressDelivery(Id, Owner, ArtemTelegram, "@artem_new", Actor, Now), State(new DeliveryAttempted(Id, ArtemTelegram, 1, Now)))
            .Should().BeEmpty();
}
