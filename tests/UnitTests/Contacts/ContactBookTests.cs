using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using FluentAssertions;

namespace EventSourced.UnitTests.Contacts;

public sealed class ContactBookTests
{
    private const string Owner = "owner-1";
    private static readonly Guid Artem = Guid.CreateVersion7();
    private static readonly Guid Olga = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static readonly ContactAdded ArtemAdded = new(Artem, Owner, "Artem", "@artem_ivanov", null, null, Owner, At);
    private static readonly ContactAdded OlgaAdded = new(Olga, Owner, "Olga", null, null, "olga", Owner, At);

    private static AddContact Add(Guid id, string name = "Artem", string? telegram = "@artem_ivanov", string? whatsApp = null, string? viber = null) =>
        new(id, Owner, name, new MessengerIds(telegram, whatsApp, viber), Owner, At);

    private static UpdateContact Update(Guid id, Optional<string> name = default, Optional<string?> telegram = default, Optional<string?> viber = default, long? revision = null) =>
        new(id, Owner, name, telegram, default, viber, revision, Owner, At);

    private static IReadOnlyList<IContactBookEvent> Decide(IContactCommand command, params IContactEvent[] given) =>
        ContactBook.Decider.Decide(command, ContactBook.Decider.Fold(given));

    [Fact]
    public void Given_an_empty_book_When_adding_a_contact_Then_it_is_added_with_who_and_when() =>
        Decide(Add(Artem, whatsApp: "+4915112345678")).Should().Equal(
            new ContactAdded(Artem, Owner, "Artem", "@artem_ivanov", "+4915112345678", null, Owner, At));

    [Fact]
    public void Given_the_contact_was_added_When_the_same_add_is_retried_Then_nothing_happens() =>
        Decide(Add(Artem), ArtemAdded).Should().BeEmpty();

    [Fact]
    public void Given_the_contact_was_added_When_a_different_add_reuses_its_id_Then_it_is_refused() =>
        FluentActions.Invoking(() => Decide(Add(Artem, telegram: "@someone_else"), ArtemAdded))
            .Should().Throw<ContactAlreadyExistsException>();

    [Fact]
    public void Given_a_contact_named_Artem_When_adding_another_artem_Then_the_name_is_taken() =>
        FluentActions.Invoking(() => Decide(Add(Olga, name: " artem "), ArtemAdded))
            .Should().Throw<ContactNameTakenException>();

    [Fact]
    public void Given_Artem_was_removed_When_adding_another_Artem_Then_it_is_added()
    {
        var removed = new ContactRemoved(Artem, Owner, Owner, At);

        Decide(Add(Olga, name: "Artem"), ArtemAdded, removed).Should().ContainSingle().Which.Should().BeOfType<ContactAdded>();
    }

    [Fact]
    public void Given_Artem_was_renamed_When_adding_another_Artem_Then_it_is_added_and_the_new_name_is_taken()
    {
        var renamed = new ContactUpdated(Artem, Owner, "Artem I.", "@artem_ivanov", null, null, Owner, At);

        Decide(Add(Olga, name: "artem"), ArtemAdded, renamed).Should().ContainSingle().Which.Should().BeOfType<ContactAdded>();
        FluentActions.Invoking(() => Decide(Add(Olga, name: "ARTEM i."), ArtemAdded, renamed)).Should().Throw<ContactNameTakenException>();
    }

    [Fact]
    public void Given_an_empty_book_When_adding_a_contact_without_messengers_Then_it_is_refused() =>
        FluentActions.Invoking(() => Decide(Add(Artem, telegram: null)))
            .Should().Throw<InvalidContactException>().Which.Problems.Should().ContainKey("messengers");

    [Fact]
    public void Given_a_contact_When_renaming_it_and_removing_an_id_Then_the_whole_new_state_is_recorded() =>
        Decide(Update(Artem, name: Optional.Of("Artem I."), viber: Optional.Of<string?>("artem")), ArtemAdded).Should().Equal(
            new ContactUpdated(Artem, Owner, "Artem I.", "@artem_ivanov", null, "artem", Owner, At));

    [Fact]
    public void Given_a_contact_When_the_update_changes_nothing_Then_nothing_happens() =>
        Decide(Update(Artem, name: Optional.Of("Artem")), ArtemAdded).Should().BeEmpty();

    [Fact]
    public void Given_two_contacts_When_renaming_one_to_the_others_name_Then_the_name_is_taken() =>
        FluentActions.Invoking(() => Decide(Update(Olga, name: Optional.Of("ARTEM")), ArtemAdded, OlgaAdded))
            .Should().Throw<ContactNameTakenException>();

    [Fact]
    public void Given_a_contact_with_one_id_When_removing_that_id_Then_it_is_refused() =>
        FluentActions.Invoking(() => Decide(Update(Artem, telegram: Optional.Of<string?>(null)), ArtemAdded))
            .Should().Throw<InvalidContactException>();

    [Fact]
    public void Given_a_contact_changed_once_When_updating_from_revision_0_Then_it_is_stale()
    {
        var updated = new ContactUpdated(Artem, Owner, "Artem", "@artem_ivanov", null, "a", Owner, At);

        FluentActions.Invoking(() => Decide(Update(Artem, viber: Optional.Of<string?>("b"), revision: 0), ArtemAdded, updated))
            .Should().Throw<ContactChangedException>().Which.ActualRevision.Should().Be(1);
    }

    [Fact]
    public void Given_another_contact_changed_When_updating_from_this_ones_revision_Then_it_is_not_stale()
    {
        var olgaUpdated = new ContactUpdated(Olga, Owner, "Olga", null, null, "olga-2", Owner, At);

        Decide(Update(Artem, viber: Optional.Of<string?>("a"), revision: 0), ArtemAdded, OlgaAdded, olgaUpdated).Should().ContainSingle();
    }

    [Fact]
    public void Given_no_such_contact_When_updating_or_removing_Then_it_is_not_found()
    {
        FluentActions.Invoking(() => Decide(Update(Artem, name: Optional.Of("X")))).Should().Throw<ContactNotFoundException>();
        FluentActions.Invoking(() => Decide(new RemoveContact(Artem, Owner, null, Owner, At))).Should().Throw<ContactNotFoundException>();
    }

    [Fact]
    public void Given_a_removed_contact_When_removing_it_again_Then_nothing_happens_and_it_cannot_be_updated()
    {
        var removed = new ContactRemoved(Artem, Owner, Owner, At);

        Decide(new RemoveContact(Artem, Owner, 0, Owner, At), ArtemAdded, removed).Should().BeEmpty();
        FluentActions.Invoking(() => Decide(Update(Artem, name: Optional.Of("X")), ArtemAdded, removed)).Should().Throw<ContactNotFoundException>();
    }

    [Fact]
    public void Given_a_forgotten_contact_When_updating_it_Then_it_is_refused_and_its_erased_name_is_no_name_to_find()
    {
        // A forgotten contact's events read so: every personal field erased.
        var forgotten = new ContactAdded(Artem, Owner, "[erased]", "[erased]", null, null, Owner, At);
        var book = ContactBook.Decider.Fold([forgotten]);

        FluentActions.Invoking(() => Decide(Update(Artem, name: Optional.Of("Artem"), telegram: Optional.Of<string?>("@artem_ivanov")), forgotten))
            .Should().Throw<ContactWithheldException>().WithMessage("*was forgotten*");
        book.Find(Artem)!.IsWithheld.Should().BeTrue();
        book.FindByName("[erased]").Should().BeNull();
        Decide(new RemoveContact(Artem, Owner, null, Owner, At), forgotten).Should().ContainSingle().Which.Should().BeOfType<ContactRemoved>();
    }

    [Theory]
    [InlineData("+7 900 123-45-67", "+79001234567")]
    [InlineData("+49 (151) 1234.5678", "+4915112345678")]
    [InlineData("+4915112345678", "+4915112345678")]
    [InlineData("8 900 123 45 67", "89001234567")]
    public void Phone_numbers_lose_their_formatting_and_nothing_else(string written, string kept) =>
        MessengerIds.Phone(written).Should().Be(kept);

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

    [Theory]
    [InlineData("[erased]")]
    [InlineData("[unreadable]")]
    public void What_a_withheld_field_reads_as_is_no_name_and_no_viber_id(string value)
    {
        MessengerIds.NameProblems(value).Should().ContainKey("name");
        new MessengerIds(null, null, value).Problems().Should().ContainKey("viber");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\u0000b")]
    public void Blank_names_and_control_characters_are_refused(string name) =>
        MessengerIds.NameProblems(name).Should().ContainKey("name");

    private static ImportContacts Import(bool skipExisting, params AddContact[] contacts) => new(Owner, contacts, skipExisting);

    [Fact]
    public void Given_a_book_with_Artem_When_importing_Olga_and_Boris_Then_both_are_added_in_the_order_given()
    {
        var boris = Guid.CreateVersion7();

        Decide(Import(false, Add(Olga, "Olga", null, viber: "olga"), Add(boris, "Boris", "@boris_b")), ArtemAdded).Should().Equal(
            OlgaAdded,
            new ContactAdded(boris, Owner, "Boris", "@boris_b", null, null, Owner, At));
    }

    [Fact]
    public void Given_a_book_with_Artem_When_an_import_names_artem_Then_nothing_is_added_and_the_taken_names_are_listed() =>
        FluentActions.Invoking(() => Decide(Import(false, Add(Olga, "Olga", null, viber: "olga"), Add(Guid.CreateVersion7(), " ARTEM ")), ArtemAdded))
            .Should().Throw<ContactNamesTakenException>().Which.Names.Should().Equal("ARTEM");

    [Fact]
    public void Given_a_book_with_Artem_When_an_import_skipping_existing_names_names_artem_Then_the_others_are_added_and_Artem_stays() =>
        Decide(Import(true, Add(Guid.CreateVersion7(), "artem", "@another_one"), Add(Olga, "Olga", null, viber: "olga")), ArtemAdded).Should().Equal(OlgaAdded);

    [Fact]
    public void Given_an_empty_book_When_an_import_names_Olga_twice_Then_the_second_is_taken_by_the_first() =>
        FluentActions.Invoking(() => Decide(Import(false, Add(Olga, "Olga", null, viber: "olga"), Add(Guid.CreateVersion7(), "olga", "@olga_2"))))
            .Should().Throw<ContactNamesTakenException>().Which.Names.Should().Equal("olga");

    [Fact]
    public void Given_an_import_was_applied_When_it_is_sent_again_Then_nothing_happens() =>
        Decide(Import(false, Add(Artem), Add(Olga, "Olga", null, viber: "olga")), ArtemAdded, OlgaAdded).Should().BeEmpty();

    [Fact]
    public void Given_an_empty_book_When_an_import_holds_an_invalid_contact_Then_nothing_is_added() =>
        FluentActions.Invoking(() => Decide(Import(false, Add(Olga, "Olga", null, viber: "olga"), Add(Artem, "Artem", telegram: null))))
            .Should().Throw<InvalidContactException>();
}
