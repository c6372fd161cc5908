using EventSourced.Domain.Contacts;
using EventSourced.Domain.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Contacts;

public sealed class ContactGroupTests
{
    private const string Owner = "owner-1";
    private static readonly Guid Artem = Guid.CreateVersion7();
    private static readonly Guid Olga = Guid.CreateVersion7();
    private static readonly Guid Choir = Guid.CreateVersion7();
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static readonly ContactAdded ArtemAdded = new(Artem, Owner, "Artem", "@artem_ivanov", null, null, Owner, At);
    private static readonly ContactAdded OlgaAdded = new(Olga, Owner, "Olga", null, null, "olga", Owner, At);
    private static readonly ContactGroupCreated ChoirCreated = new(Choir, Owner, "Choir", [Artem], Owner, At);

    private static IdsOrNames Ids(params Guid[] ids) => new(ids, []);

    private static IdsOrNames Names(params string[] names) => new([], names);

    private static IReadOnlyList<IContactBookEvent> Decide(IContactCommand command, params IContactBookEvent[] given) =>
        ContactBook.Decider.Decide(command, ContactBook.Decider.Fold(given));

    private static ContactBook Book(params IContactBookEvent[] given) => ContactBook.Decider.Fold(given);

    [Fact]
    public void Given_two_contacts_When_a_group_is_made_with_them_by_id_and_name_Then_it_holds_each_once() =>
        Decide(new CreateContactGroup(Choir, Owner, " Choir ", new IdsOrNames([Artem], ["artem", "OLGA"]), Owner, At), ArtemAdded, OlgaAdded)
            .Should().ContainSingle().Which.Should().BeEquivalentTo(new ContactGroupCreated(Choir, Owner, "Choir", [Artem, Olga], Owner, At));

    [Fact]
    public void Given_the_group_was_made_When_the_same_creation_is_retried_Then_nothing_happens_and_another_name_under_its_id_is_refused()
    {
        Decide(new CreateContactGroup(Choir, Owner, "Choir", Ids(Artem), Owner, At), ArtemAdded, ChoirCreated).Should().BeEmpty();
        FluentActions.Invoking(() => Decide(new CreateContactGroup(Choir, Owner, "Band", IdsOrNames.None, Owner, At), ArtemAdded, ChoirCreated))
            .Should().Throw<ContactGroupAlreadyExistsException>();
    }

    [Fact]
    public void Given_a_group_named_Choir_When_another_is_made_or_renamed_so_in_any_case_Then_the_name_is_taken_until_it_is_deleted()
    {
        var band = new ContactGroupCreated(Guid.CreateVersion7(), Owner, "Band", [], Owner, At);
        FluentActions.Invoking(() => Decide(new CreateContactGroup(Guid.CreateVersion7(), Owner, "CHOIR", IdsOrNames.None, Owner, At), ChoirCreated))
            .Should().Throw<ContactGroupNameTakenException>();
        FluentActions.Invoking(() => Decide(new RenameContactGroup(band.GroupId, Owner, "choir", Owner, At), ChoirCreated, band))
            .Should().Throw<ContactGroupNameTakenException>();

        var deleted = new ContactGroupDeleted(Choir, Owner, Owner, At);
        Decide(new RenameContactGroup(band.GroupId, Owner, "choir", Owner, At), ChoirCreated, band, deleted)
            .Should().Equal(new ContactGroupRenamed(band.GroupId, Owner, "choir", Owner, At));
    }

    [Fact]
    public void Given_a_contact_not_in_the_book_removed_or_forgotten_When_it_is_added_to_a_group_Then_nothing_is_added_and_each_is_named()
    {
        var removed = new ContactRemoved(Olga, Owner, Owner, At);
        var forgotten = new ContactUpdated(Artem, Owner, Withheld.Erased, null, null, null, Owner, At);
        var nobody = Guid.CreateVersion7();

        FluentActions.Invoking(() => Decide(new AddContactGroupMembers(Choir, Owner, new IdsOrNames([nobody, Olga, Artem], ["Zed"]), Owner, At), ArtemAdded, OlgaAdded, ChoirCreated, removed, forgotten))
            .Should().Throw<UnknownContactsException>().Which.Contacts.Should().Equal(nobody.ToString(), Olga.ToString(), Artem.ToString(), "Zed");
    }

    [Fact]
    public void Given_Artem_is_a_member_When_Artem_and_Olga_are_added_Then_only_Olga_joins_and_adding_her_again_changes_nothing()
    {
        var joined = Decide(new AddContactGroupMembers(Choir, Owner, Names("Artem", "Olga"), Owner, At), ArtemAdded, OlgaAdded, ChoirCreated);

        joined.Should().ContainSingle().Which.Should().BeEquivalentTo(new ContactGroupMembersAdded(Choir, Owner, [Olga], Owner, At));
        Decide(new AddContactGroupMembers(Choir, Owner, Ids(Olga), Owner, At), [ArtemAdded, OlgaAdded, ChoirCreated, .. joined]).Should().BeEmpty();
    }

    [Fact]
    public void Given_a_member_removed_from_the_book_When_it_is_taken_out_of_the_group_by_id_Then_it_leaves_and_a_non_member_is_passed_over()
    {
        var removed = new ContactRemoved(Artem, Owner, Owner, At);

        Decide(new RemoveContactGroupMembers(Choir, Owner, Ids(Artem, Olga), Owner, At), ArtemAdded, OlgaAdded, ChoirCreated, removed)
            .Should().ContainSingle().Which.Should().BeEquivalentTo(new ContactGroupMembersRemoved(Choir, Owner, [Artem], Owner, At));
        Decide(new RemoveContactGroupMembers(Choir, Owner, Names("Olga"), Owner, At), ArtemAdded, OlgaAdded, ChoirCreated).Should().BeEmpty();
    }

    [Fact]
    public void Given_a_group_When_its_members_are_read_Then_only_those_still_in_the_book_count_by_name()
    {
        var book = Book(ArtemAdded, OlgaAdded, ChoirCreated, new ContactGroupMembersAdded(Choir, Owner, [Olga], Owner, At), new ContactRemoved(Artem, Owner, Owner, At));

        book.MembersOf(book.FindGroupByName("choir")!).Select(c => c.Name).Should().Equal("Olga");
    }

    [Fact]
    public void Given_a_group_of_the_most_members_When_one_more_joins_Then_it_is_refused()
    {
        var contacts = Enumerable.Range(0, ContactGroup.MaxMembers + 1).Select(i => new ContactAdded(Guid.CreateVersion7(), Owner, $"C{i}", $"@contact_{i}", null, null, Owner, At)).ToList();
        var full = new ContactGroupCreated(Choir, Owner, "Choir", [.. contacts.Take(ContactGroup.MaxMembers).Select(c => c.ContactId)], Owner, At);

        FluentActions.Invoking(() => Decide(new AddContactGroupMembers(Choir, Owner, Ids(contacts[^1].ContactId), Owner, At), [.. contacts, full]))
            .Should().Throw<ContactGroupTooLargeException>();
    }

    [Fact]
    public void Given_a_deleted_group_When_it_is_deleted_again_Then_nothing_happens_and_it_takes_no_members()
    {
        var deleted = new ContactGroupDeleted(Choir, Owner, Owner, At);

        Decide(new DeleteContactGroup(Choir, Owner, Owner, At), ArtemAdded, ChoirCreated, deleted).Should().BeEmpty();
        FluentActions.Invoking(() => Decide(new AddContactGroupMembers(Choir, Owner, Ids(Artem), Owner, At), ArtemAdded, ChoirCreated, deleted))
            .Should().Throw<ContactGroupNotFoundException>();
        FluentActions.Invoking(() => Decide(new DeleteContactGroup(Guid.CreateVersion7(), Owner, Owner, At), ArtemAdded))
            .Should().Throw<ContactGroupNotFoundException>();
    }
}
