using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
using FluentAssertions;

namespace EventSourced.UnitTests.Messages;

/// <summary>Whom a message goes to changes only while it waits for its time, none of its deliveries started.</summary>
public sealed class MessageRecipientsTests
{
    private const string Owner = "owner-1";
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Tomorrow = Now.AddDays(1);
    private static readonly Recipient Artem = new(Guid.CreateVersion7(), "Artem", new MessengerIds("@artem_ivanov", null, null));
    private static readonly Recipient Boris = new(Guid.CreateVersion7(), "Boris", new MessengerIds("@boris", "+4915100000001", null));
    private static readonly RecipientGroup Choir = new(Guid.CreateVersion7(), "Choir");
    private static readonly MessageScheduled ForTomorrow = (MessageScheduled)Message.Decider.Decide(
        new ScheduleMessage(Id, Owner, "Doors at six", Tomorrow, [Artem], Owner, Now, [Choir]), Message.None)[0];

    private static AddRecipients Add(params Recipient[] recipients) => new(Id, Owner, recipients, [], Owner, Now);

    private static RemoveRecipients Remove(params Guid[] contacts) => new(Id, Owner, contacts, Owner, Now);

    private static IReadOnlyList<IMessageEvent> Decide(IMessageCommand command, params IMessageEvent[] given) =>
        Message.Decider.Decide(command, Message.Decider.Fold(given));

    [Fact]
    public void Given_a_message_for_tomorrow_When_a_contact_is_added_Then_a_delivery_is_planned_for_each_of_its_messengers_at_the_messages_time()
    {
        var added = Decide(Add(Boris, Artem), ForTomorrow);

        added.Cast<DeliveryPlanned>().Select(p => (p.ContactId, p.ContactName, p.Channel, p.Address, p.NotBefore))
            .Should().Equal((Boris.ContactId, "Boris", Channel.Telegram, "@boris", Tomorrow), (Boris.ContactId, "Boris", Channel.WhatsApp, "+4915100000001", Tomorrow));
        added.Cast<DeliveryPlanned>().Select(p => p.DeliveryId).Should().OnlyHaveUniqueItems().And.NotContain(ForTomorrow.Deliveries[0].DeliveryId);
        Message.Decider.Fold([ForTomorrow, .. added]).Deliveries.Should().HaveCount(3);
    }

    [Fact]
    public void Given_the_contacts_were_added_When_added_again_Then_nothing_happens() =>
        Decide(Add(Boris), [ForTomorrow, .. Decide(Add(Boris), ForTomorrow)]).Should().BeEmpty();

    [Fact]
    public void Given_a_message_sent_to_a_group_When_another_group_is_added_Then_only_the_new_group_is_recorded()
    {
        var band = new RecipientGroup(Guid.CreateVersion7(), "Band");
        var added = Decide(Add(Boris) with { Groups = [Choir, band, band] }, ForTomorrow);

        added.OfType<MessageGroupsAdded>().Should().ContainSingle().Which.Groups.Should().Equal(band);
        Message.Decider.Fold([ForTomorrow, .. added]).Groups.Should().Equal(Choir, band);
    }

    [Fact]
    public void Given_a_message_at_its_limit_When_one_more_contact_is_added_Then_it_is_refused()
    {
        var full = Enumerable.Range(0, Message.MaxRecipients).Select(i => new Recipient(Guid.CreateVersion7(), $"Contact {i}", new MessengerIds(null, null, $"viber-{i}"))).ToList();
        var scheduled = Message.Decider.Decide(new ScheduleMessage(Id, Owner, "Everyone", Tomorrow, full, Owner, Now), Message.None)[0];

        FluentActions.Invoking(() => Decide(Add(Boris), scheduled)).Should().Throw<TooManyRecipientsException>();
        Decide(Add(full[0]), scheduled).Should().BeEmpty("a contact already on it is no new recipient");
    }

    [Fact]
    public void Given_a_message_for_tomorrow_When_a_contact_is_taken_off_Then_its_deliveries_are_cancelled_and_taking_it_off_again_changes_nothing()
    {
        IMessageEvent[] withBoris = [ForTomorrow, .. Decide(Add(Boris), ForTomorrow)];

        var removed = Decide(Remove(Boris.ContactId, Guid.CreateVersion7()), withBoris);

        removed.Cast<DeliveryCancelled>().Select(c => c.Reason).Should().Equal(Message.TakenOffReason, Message.TakenOffReason);
        Decide(Remove(Boris.ContactId), [.. withBoris, .. removed]).Should().BeEmpty();
        Decide(Add(Boris), [.. withBoris, .. removed]).Should().HaveCount(2, "a contact taken off can be put back");
    }

    [Fact]
    public void Given_a_message_to_one_contact_When_that_contact_is_taken_off_Then_it_is_refused_as_cancelling_is_the_way() =>
        FluentActions.Invoking(() => Decide(Remove(Artem.ContactId), ForTomorrow)).Should().Throw<InvalidMessageException>().WithMessage("*cancel the message*");

    [Fact]
    public void Given_the_message_is_due_cancelled_started_or_anothers_When_its_recipients_change_Then_it_is_refused()
    {
        var started = new DeliveryAttempted(Id, ForTomorrow.Deliveries[0].DeliveryId, 1, Now);

        FluentActions.Invoking(() => Decide(Add(Boris) with { At = Tomorrow }, ForTomorrow)).Should().Throw<MessageNotEditableException>().WithMessage("*going out already*");
        FluentActions.Invoking(() => Decide(Remove(Artem.ContactId), ForTomorrow, started)).Should().Throw<MessageNotEditableException>().WithMessage("*going out already*");
        FluentActions.Invoking(() => Decide(Add(Boris), ForTomorrow, new MessageCancelled(Id, Owner, Owner, Now))).Should().Throw<MessageNotEditableException>().WithMessage("*cancelled*");
        FluentActions.Invoking(() => Decide(Add(Boris) with { OwnerId = "owner-2" }, ForTomorrow)).Should().Throw<MessageNotFoundException>();
        FluentActions.Invoking(() => Decide(Remove(Artem.ContactId) with { OwnerId = "owner-2" }, ForTomorrow)).Should().Throw<MessageNotFoundException>();
    }
}
