using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Messages;
using FluentAssertions;

namespace EventSourced.UnitTests.Messages;

/// <summary>A message's text and time change only while it waits for its time, none of its deliveries started.</summary>
public sealed class MessageEditTests
{
    private const string Owner = "owner-1";
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Tomorrow = Now.AddDays(1);
    private static readonly MessageScheduled ForTomorrow = (MessageScheduled)Message.Decider.Decide(
        new ScheduleMessage(Id, Owner, "Doors at six", Tomorrow, [new Recipient(Guid.CreateVersion7(), "Artem", new MessengerIds("@artem_ivanov", null, null))], Owner, Now),
        Message.None)[0];

    private static EditMessage Edit(Optional<string> text = default, Optional<DateTimeOffset> notBefore = default, DateTimeOffset? at = null, string owner = Owner) =>
        new(Id, owner, text, notBefore, owner, at ?? Now);

    private static IReadOnlyList<IMessageEvent> Decide(IMessageCommand command, params IMessageEvent[] given) =>
        Message.Decider.Decide(command, Message.Decider.Fold(given));

    [Fact]
    public void Given_a_message_for_tomorrow_When_its_text_changes_Then_the_edit_keeps_its_time_and_the_state_sends_the_new_text()
    {
        var edited = Decide(Edit(text: Optional.Of("Doors at seven")), ForTomorrow);

        edited.Should().Equal(new MessageEdited(Id, Owner, "Doors at seven", Tomorrow, Owner, Now));
        Message.Decider.Fold([ForTomorrow, .. edited]).Text.Should().Be("Doors at seven");
    }

    [Fact]
    public void Given_a_message_for_tomorrow_When_moved_to_a_past_moment_Then_it_is_due_now_and_a_later_move_is_kept()
    {
        Decide(Edit(notBefore: Optional.Of(Now.AddHours(-1))), ForTomorrow).Should().ContainSingle().Which.As<MessageEdited>().NotBefore.Should().Be(Now);
        Decide(Edit(notBefore: Optional.Of(Tomorrow.AddDays(1))), ForTomorrow).Should().ContainSingle().Which.As<MessageEdited>().NotBefore.Should().Be(Tomorrow.AddDays(1));
    }

    [Fact]
    public void Given_the_edit_was_made_When_it_is_made_again_Then_nothing_happens() =>
        Decide(Edit(text: Optional.Of("Doors at seven")), ForTomorrow, new MessageEdited(Id, Owner, "Doors at seven", Tomorrow, Owner, Now)).Should().BeEmpty();

    [Fact]
    public void Given_the_message_is_due_cancelled_or_a_delivery_started_When_it_is_edited_Then_it_is_refused()
    {
        var edit = Edit(text: Optional.Of("Too late"));
        var started = new DeliveryAttempted(Id, ForTomorrow.Deliveries[0].DeliveryId, 1, Now);

        FluentActions.Invoking(() => Decide(edit with { At = Tomorrow }, ForTomorrow)).Should().Throw<MessageNotEditableException>().WithMessage("*going out already*");
        FluentActions.Invoking(() => Decide(edit, ForTomorrow, started)).Should().Throw<MessageNotEditableException>().WithMessage("*going out already*");
        FluentActions.Invoking(() => Decide(edit, ForTomorrow, new MessageCancelled(Id, Owner, Owner, Now))).Should().Throw<MessageNotEditableException>().WithMessage("*cancelled*");
    }

    [Fact]
    public void Given_a_delivery_cancelled_before_its_time_When_the_message_is_edited_Then_the_edit_is_made()
    {
        var cancelled = new DeliveryCancelled(Id, ForTomorrow.Deliveries[0].DeliveryId, "the contact was removed", "changed-contacts", Now);

        Decide(Edit(text: Optional.Of("Doors at seven")), ForTomorrow, cancelled).Should().ContainSingle().Which.Should().BeOfType<MessageEdited>();
    }

    [Fact]
    public void Another_owners_message_or_a_blank_text_is_refused()
    {
        FluentActions.Invoking(() => Decide(Edit(text: Optional.Of("Mine now"), owner: "owner-2"), ForTomorrow)).Should().Throw<MessageNotFoundException>();
        FluentActions.Invoking(() => Decide(Edit(text: Optional.Of(" ")), ForTomorrow)).Should().Throw<InvalidMessageException>();
    }
}
