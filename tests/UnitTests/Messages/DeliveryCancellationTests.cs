using EventSourced.Domain.Messages;
using EventSourced.Domain.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Messages;

/// <summary>Deliveries to a forgotten contact: cancelled when asked, and never attempted to an erased address.</summary>
public sealed class DeliveryCancellationTests
{
    private const string Owner = "owner-1";
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly Guid Delivery = Guid.CreateVersion7();
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static MessageScheduled Scheduled(string address) =>
        new(Id, Owner, "Hello", Now, [new PlannedDelivery(Delivery, Guid.CreateVersion7(), "Artem", Channel.Telegram, address)], Owner, Now);

    private static IReadOnlyList<IMessageEvent> Decide(IMessageCommand command, params IMessageEvent[] given) =>
        Message.Decider.Decide(command, Message.Decider.Fold(given));

    private static CancelDelivery Cancel => new(Id, Owner, Delivery, "the contact was forgotten", Owner, Now);

    [Theory]
    [InlineData(Withheld.Erased)]
    [InlineData(Withheld.Unreadable)]
    public void Given_an_address_that_reads_as_withheld_When_an_attempt_starts_Then_the_delivery_is_cancelled_instead(string address) =>
        Decide(new StartDeliveryAttempt(Id, Owner, Delivery, Now), Scheduled(address))
            .Should().Equal(new DeliveryCancelled(Id, Delivery, "the recipient's data is erased", "system", Now));

    [Fact]
    public void Given_a_readable_address_When_an_attempt_starts_Then_it_is_attempted() =>
        Decide(new StartDeliveryAttempt(Id, Owner, Delivery, Now), Scheduled("@artem_ivanov")).Should().Equal(new DeliveryAttempted(Id, Delivery, 1, Now));

    [Fact]
    public void Given_a_failed_delivery_When_cancelling_it_twice_Then_it_is_cancelled_once()
    {
        var failed = new IMessageEvent[] { Scheduled("@artem_ivanov"), new DeliveryAttempted(Id, Delivery, 1, Now), new DeliveryFailed(Id, Delivery, 1, "400", true, Now) };
        var cancelled = Decide(Cancel, failed);

        cancelled.Should().Equal(new DeliveryCancelled(Id, Delivery, "the contact was forgotten", Owner, Now));
        Decide(Cancel, [.. failed, .. cancelled]).Should().BeEmpty();
    }

    [Fact]
    public void Given_an_attempt_in_flight_When_cancelling_Then_it_ends_as_it_ends() =>
        Decide(Cancel, Scheduled("@artem_ivanov"), new DeliveryAttempted(Id, Delivery, 1, Now)).Should().BeEmpty();
}
