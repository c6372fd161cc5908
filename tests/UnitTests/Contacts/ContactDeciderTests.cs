using EventSourced.Domain.Contacts;
using FluentAssertions;

namespace EventSourced.UnitTests.Contacts;

public sealed class ContactDeciderTests
{
    private static readonly Guid Id = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static AddContact Add(string? telegram = "@artem_ivanov", string? whatsApp = null, string? viber = null) =>
        new(Id, "owner-1", "Artem", new MessengerIds(telegram, whatsApp, viber), "owner-1", At);

    private static IReadOnlyList<IContactEvent> Decide(IContactCommand command, params IContactEvent[] given) =>
        Contact.Decider.Decide(command, Contact.Decider.Fold(given));

    [Fact]
    public void Given_no_contact_When_adding_it_Then_it_is_added_with_who_and_when()
    {
        Decide(Add(whatsApp: "+4915112345678")).Should().Equal(
            new ContactAdded(Id, "owner-1", "Artem", "@artem_ivanov", "+4915112345678", null, "owner-1", At));
    }

    [Fact]
    public void Given_the_contact_was_added_When_the_same_add_is_retried_Then_nothing_happens()
    {
        var added = (ContactAdded)Decide(Add())[0];

        Decide(Add(), added).Should().BeEmpty();
    }

    [Fact]
    public void Given_the_contact_was_added_When_a_different_add_uses_its_id_Then_it_is_refused()
    {
        var added = (ContactAdded)Decide(Add())[0];

        var act = () => Decide(Add(telegram: "@someone_else"), added);

        act.Should().Throw<ContactAlreadyExistsException>().Which.Code.Should().Be("contact_already_exists");
    }

    [Fact]
    public void Given_no_contact_When_adding_one_without_any_messenger_Then_it_is_refused()
    {
        var act = () => Decide(Add(telegram: null));

        act.Should().Throw<InvalidContactException>().Which.Problems.Should().ContainKey("messengers");
    }

    [Theory]
    [InlineData("@artem_ivanov")]
    [InlineData("artem_ivanov")]
    [InlineData("123456789")]
    [InlineData("-1001234567890")]
    public void Telegram_usernames_and_chat_ids_are_accepted(string telegram) =>
        new MessengerIds(telegram, null, null).Problems().Should().BeEmpty();

    [Theory]
    [InlineData("@abc")]
    [InlineData("@1artem")]
    [InlineData("artem ivanov")]
    [InlineData("")]
    public void Malformed_telegram_ids_are_refused(string telegram) =>
        new MessengerIds(telegram, null, null).Problems().Should().ContainKey("telegram");

    [Theory]
    [InlineData("+4915112345678", true)]
    [InlineData("4915112345678", false)]
    [InlineData("+0123456789", false)]
    [InlineData("+12", false)]
    [InlineData("+1234567890123456", false)]
    public void WhatsApp_ids_must_be_E164_numbers(string number, bool valid) =>
        new MessengerIds(null, number, null).Problems().ContainsKey("whatsApp").Should().Be(!valid);

    [Fact]
    public void A_blank_viber_id_is_refused() =>
        new MessengerIds(null, null, "  ").Problems().Should().ContainKey("viber");
}
