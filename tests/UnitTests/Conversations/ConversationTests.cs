using EventSourced.Domain.Conversations;
using FluentAssertions;

namespace EventSourced.UnitTests.Conversations;

public sealed class ConversationTests
{
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly Guid First = Guid.CreateVersion7();
    private static readonly Guid Second = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly ConversationOpened Opened = new(Id, "vera", "mia", "vera", At);
    private static readonly ChatMessagePosted FirstPosted = new(Id, First, "vera", ChatRole.Visitor, "Hi", At, "vera");
    private static readonly ChatMessagePosted SecondPosted = new(Id, Second, "mia", ChatRole.Manager, "Hello", At, "vera");

    private static IReadOnlyList<IConversationEvent> Decide(IConversationCommand command, params IConversationEvent[] given) =>
        Conversation.Decider.Decide(command, Conversation.Decider.Fold(given));

    [Fact]
    public void Given_an_open_conversation_When_a_participant_posts_Then_it_is_posted_with_their_role() =>
        Decide(new PostChatMessage(Id, Second, "mia", "Hello", null, At), Opened).Should().Equal(SecondPosted);

    [Fact]
    public void Given_moderation_rejected_it_When_posting_Then_the_rejection_is_recorded() =>
        Decide(new PostChatMessage(Id, First, "vera", "buy at spam.com", "link_from_visitor", At), Opened)
            .Should().Equal(new ChatMessageRejected(Id, First, "vera", ChatRole.Visitor, "buy at spam.com", "link_from_visitor", At, "vera"));

    [Fact]
    public void Posting_the_same_message_id_again_changes_nothing() =>
        Decide(new PostChatMessage(Id, First, "vera", "Hi", null, At), Opened, FirstPosted).Should().BeEmpty();

    [Fact]
    public void Someone_who_takes_no_part_cannot_post_and_learns_nothing() =>
        FluentActions.Invoking(() => Decide(new PostChatMessage(Id, First, "max", "Hi", null, At), Opened))
            .Should().Throw<ConversationNotFoundException>();

    [Fact]
    public void Nobody_posts_to_a_closed_conversation() =>
        FluentActions.Invoking(() => Decide(new PostChatMessage(Id, First, "vera", "Hi", null, At), Opened, new ConversationClosed(Id, "mia", At)))
            .Should().Throw<ConversationClosedException>();

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_message_is_refused(string content) =>
        FluentActions.Invoking(() => Decide(new PostChatMessage(Id, First, "vera", content, null, At), Opened))
            .Should().Throw<InvalidChatMessageException>();

    [Fact]
    public void Marking_read_moves_forward_only()
    {
        Decide(new MarkRead(Id, "mia", Second, At), Opened, FirstPosted, SecondPosted).Should().Equal(new ChatMessagesRead(Id, "mia", Second, At));
        var readSecond = new ChatMessagesRead(Id, "mia", Second, At);
        Decide(new MarkRead(Id, "mia", First, At), Opened, FirstPosted, SecondPosted, readSecond).Should().BeEmpty();
        Decide(new MarkRead(Id, "mia", Second, At), Opened, FirstPosted, SecondPosted, readSecond).Should().BeEmpty();
        var readFirst = new ChatMessagesRead(Id, "mia", First, At);
        Decide(new MarkRead(Id, "mia", Second, At), Opened, FirstPosted, SecondPosted, readFirst).Should().Equal(readSecond);
    }

    [Fact]
    public void Marking_an_unknown_message_read_is_not_found() =>
        FluentActions.Invoking(() => Decide(new MarkRead(Id, "mia", Guid.NewGuid(), At), Opened, FirstPosted))
            .Should().Throw<ChatMessageNotFoundException>();

    [Fact]
    public void A_participant_hides_a_message_for_themself_once()
    {
        var hidden = new ChatMessageHidden(Id, First, "mia", "mia", At);

        Decide(new HideChatMessage(Id, First, "mia", false, false, At), Opened, FirstPosted).Should().Equal(hidden);
        Decide(new HideChatMessage(Id, First, "mia", false, false, At), Opened, FirstPosted, hidden).Should().BeEmpty();
    }

    [Fact]
    public void Hiding_a_message_leaves_the_others_as_they_were()
    {
        var secondHidden = new ChatMessageHidden(Id, Second, "mia", "mia", At);
        var chat = Conversation.Decider.Fold([Opened, FirstPosted, SecondPosted, secondHidden]);

        chat.Messages.Select(m => (m.Id, m.IsVisibleTo("mia"))).Should().Equal((First, true), (Second, false));
        Decide(new HideChatMessage(Id, First, "mia", false, false, At), Opened, FirstPosted, SecondPosted, secondHidden)
            .Should().Equal(new ChatMessageHidden(Id, First, "mia", "mia", At));
    }

    [Fact]
    public void Only_a_moderator_hides_for_everyone_and_need_not_take_part()
    {
        FluentActions.Invoking(() => Decide(new HideChatMessage(Id, First, "mia", true, false, At), Opened, FirstPosted))
            .Should().Throw<NotAModeratorException>();
        Decide(new HideChatMessage(Id, First, "ops", true, true, At), Opened, FirstPosted)
            .Should().Equal(new ChatMessageHidden(Id, First, null, "ops", At));
    }

    [Fact]
    public void Closing_twice_closes_once() =>
        Decide(new CloseConversation(Id, "vera", At), Opened, new ConversationClosed(Id, "mia", At)).Should().BeEmpty();

    [Fact]
    public void Opening_an_open_conversation_again_changes_nothing() =>
        Decide(new OpenConversation(Id, "vera", "mia", "vera", At), Opened).Should().BeEmpty();

    [Fact]
    public void Its_manager_hands_the_chat_to_a_manager_on_duty_who_then_takes_part_instead()
    {
        var transferred = new ConversationTransferred(Id, "mia", "max", "mia", At, "vera");

        Decide(new TransferConversation(Id, "max", true, "mia", false, At), Opened).Should().Equal(transferred);
        Decide(new PostChatMessage(Id, Second, "max", "Hello", null, At), Opened, transferred).Should().ContainSingle().Which.Should().BeOfType<ChatMessagePosted>();
        FluentActions.Invoking(() => Decide(new PostChatMessage(Id, Second, "mia", "Hello", null, At), Opened, transferred))
            .Should().Throw<ConversationNotFoundException>();
        Decide(new TransferConversation(Id, "max", true, "max", false, At), Opened, transferred).Should().BeEmpty("it is max's already");
    }

    [Fact]
    public void Only_its_manager_or_an_operator_hands_an_open_chat_and_only_to_a_manager_on_duty()
    {
        FluentActions.Invoking(() => Decide(new TransferConversation(Id, "max", true, "vera", false, At), Opened)).Should().Throw<NotTheChatsManagerException>();
        FluentActions.Invoking(() => Decide(new TransferConversation(Id, "max", true, "max", false, At), Opened)).Should().Throw<ConversationNotFoundException>();
        FluentActions.Invoking(() => Decide(new TransferConversation(Id, "max", false, "mia", false, At), Opened)).Should().Throw<ManagerNotOnDutyException>();
        FluentActions.Invoking(() => Decide(new TransferConversation(Id, "max", true, "ops", true, At), Opened, new ConversationClosed(Id, "mia", At)))
            .Should().Throw<ConversationClosedException>();
        FluentActions.Invoking(() => Decide(new TransferConversation(Id, "max", true, "ops", true, At))).Should().Throw<ConversationNotFoundException>();
        Decide(new TransferConversation(Id, "max", true, "ops", true, At), Opened).Should().Equal(new ConversationTransferred(Id, "mia", "max", "ops", At, "vera"));
    }

    [Fact]
    public void A_hand_over_from_a_manager_who_left_duty_moves_the_chat_only_while_it_is_still_theirs()
    {
        var handOver = new TransferConversation(Id, "max", true, "chat-handover", true, At, FromManagerId: "mia");

        Decide(handOver, Opened).Should().Equal(new ConversationTransferred(Id, "mia", "max", "chat-handover", At, "vera"));
        Decide(handOver with { ToManagerId = "ann" }, Opened, new ConversationTransferred(Id, "mia", "max", "ops", At, "vera"))
            .Should().BeEmpty("an operator moved it on already");
    }
}
