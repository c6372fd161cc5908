using EventSourced.Domain.Conversations;
using FluentAssertions;

namespace EventSourced.UnitTests.Conversations;

public sealed class DutyRosterTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<IDutyEvent> Decide(IDutyCommand command, params IDutyEvent[] given) =>
        DutyRoster.Decider.Decide(command, DutyRoster.Decider.Fold(given));

    private static string Route(params IDutyEvent[] given) =>
        ((ConversationRouted)Decide(new RouteConversation(Guid.NewGuid(), "v", At), given)[0]).ManagerId;

    [Fact]
    public void Given_nobody_on_duty_When_routing_Then_chat_is_offline() =>
        FluentActions.Invoking(() => Route()).Should().Throw<ChatOfflineException>();

    [Fact]
    public void Managers_take_turns_in_the_order_they_went_on_duty()
    {
        IDutyEvent[] history = [new ManagerWentOnDuty("mia", At), new ManagerWentOnDuty("max", At), new ManagerWentOnDuty("ann", At)];

        Route(history).Should().Be("mia");
        Route([.. history, new ConversationRouted(Guid.NewGuid(), "v", "mia", At)]).Should().Be("max");
        Route([.. history, new ConversationRouted(Guid.NewGuid(), "v", "ann", At)]).Should().Be("mia");
    }

    [Fact]
    public void When_the_last_routed_manager_leaves_the_turn_passes_to_the_one_after_them()
    {
        IDutyEvent[] history = [new ManagerWentOnDuty("mia", At), new ManagerWentOnDuty("max", At), new ManagerWentOnDuty("ann", At),
            new ConversationRouted(Guid.NewGuid(), "v", "max", At), new ManagerWentOffDuty("max", At)];

        Route(history).Should().Be("ann");
    }

    [Fact]
    public void Going_on_or_off_duty_twice_changes_nothing()
    {
        var on = new ManagerWentOnDuty("mia", At);

        Decide(new SetDuty("mia", true, At), on).Should().BeEmpty();
        Decide(new SetDuty("mia", false, At)).Should().BeEmpty();
        Decide(new SetDuty("mia", false, At), on).Should().Equal(new ManagerWentOffDuty("mia", At));
    }

    [Fact]
    public void Chats_handed_on_go_in_turn_from_the_next_manager_and_leave_the_turn_where_it_was()
    {
        IDutyEvent[] history = [new ManagerWentOnDuty("mia", At), new ManagerWentOnDuty("max", At), new ManagerWentOnDuty("ann", At),
            new ConversationRouted(Guid.NewGuid(), "v", "mia", At)];
        var roster = DutyRoster.Decider.Fold(history);

        roster.InTurn(4).Should().Equal("max", "ann", "mia", "max");
        Route(history).Should().Be("max");
        DutyRoster.Empty.InTurn(2).Should().BeEmpty();
    }
}
