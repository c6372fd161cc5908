using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// The command handler remembers folded states, yet never acts on a stale or deleted one. Each
/// test's "nodes" are command handlers with memories of their own over one store.
/// </summary>
public sealed class FoldedStatesTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();
    private static readonly CommandContext Context = new("test", "test", null);
    private readonly string _owner = $"owner-{Guid.NewGuid():N}";

    private string Book => ContactBook.StreamId(_owner);

    [Fact]
    public async Task A_remembered_state_catches_up_with_what_another_node_appended()
    {
        var (here, elsewhere) = (Node(), Node());
        await here.HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context);

        await elsewhere.HandleAsync(ContactBook.Decider, Book, Add("Boris"), Context);
        var (book, version) = await here.LoadAsync(ContactBook.Decider, Book);

        version.Should().Be(1);
        book.Contacts.Values.Select(c => c.Name).Should().BeEquivalentTo("Anna", "Boris");
    }

    [Fact]
    public async Task A_stream_soft_deleted_since_is_folded_afresh_rather_than_from_memory()
    {
        var handler = Node();
        await handler.HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context);
        await handler.HandleAsync(ContactBook.Decider, Book, Add("Boris"), Context);

        await fixture.Node.Store.SoftDeleteAsync(Book);
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, Book);

        book.Contacts.Should().BeEmpty();
    }

    [Fact]
    public async Task A_decision_on_a_stale_memory_that_would_accept_is_made_again_on_the_stream()
    {
        var (here, elsewhere) = (Node(), Node());
        await here.HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context);
        await elsewhere.HandleAsync(ContactBook.Decider, Book, Add("Boris"), Context);

        // Here still remembers a book without Boris: only the stream knows the name is taken.
        var second = () => here.HandleAsync(ContactBook.Decider, Book, Add("Boris"), Context);

        await second.Should().ThrowAsync<ContactNameTakenException>();
    }

    [Fact]
    public async Task A_refusal_from_a_stale_memory_is_made_again_on_the_stream()
    {
        var (here, elsewhere) = (Node(), Node());
        var anna = Add("Anna");
        await here.HandleAsync(ContactBook.Decider, Book, anna, Context);
        await elsewhere.HandleAsync(ContactBook.Decider, Book, new RemoveContact(anna.ContactId, _owner, null, "test", DateTimeOffset.UtcNow), Context);

        // Here still remembers Anna, and would refuse her name.
        var result = await here.HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context);

        result.Version.Should().Be(2);
        result.State.Contacts.Values.Where(c => !c.Removed).Should().ContainSingle(c => c.Name == "Anna");
    }

    [Fact]
    public async Task Concurrent_commands_to_one_stream_on_one_node_all_succeed_in_turn()
    {
        var handler = Node();

        // Racing for the same version, all but one would lose each attempt, and most would run out of attempts.
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => handler.HandleAsync(ContactBook.Decider, Book, Add($"Contact{i:00}"), Context))));

        results.Select(r => r.Version).Should().BeEquivalentTo(Enumerable.Range(0, 40).Select(v => (long)v));
    }

    [Fact]
    public async Task A_step_decided_on_memory_that_lost_to_another_node_leaves_the_memory_fresh_for_its_retry()
    {
        var (here, elsewhere) = (Node(), Node());
        await here.HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context);
        await elsewhere.HandleAsync(ContactBook.Decider, Book, Add("Boris"), Context);

        var remembered = await here.RecallOrLoadAsync(ContactBook.Decider, Book);
        var step = () => here.HandleAllAtAsync(ContactBook.Decider, Book, [Add("Carl")], remembered, Context);

        remembered.Version.Should().Be(0, "memory is not read again");
        await step.Should().ThrowAsync<WrongExpectedVersionException>();
        (await here.RecallOrLoadAsync(ContactBook.Decider, Book)).Version.Should().Be(1, "a retry decides on what the step lost to");
    }

    [Fact]
    public async Task Assuming_a_stream_empty_that_is_not_decides_again_on_what_it_holds()
    {
        await Node().HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context);

        // Nodes that never saw the book: on the empty one they assume, Anna would be added twice.
        var again = () => Node().HandleAsync(ContactBook.Decider, Book, Add("Anna"), Context, assumeEmpty: true);
        var boris = await Node().HandleAsync(ContactBook.Decider, Book, Add("Boris"), Context, assumeEmpty: true);

        await again.Should().ThrowAsync<ContactNameTakenException>();
        (boris.Version, boris.State.Contacts.Count).Should().Be((1, 2));
    }

    private CommandHandler Node() => new(fixture.Node.Store, Registry, new FoldedStates(), StateSnapshots.Off);

    private AddContact Add(string name) =>
        new(Guid.NewGuid(), _owner, name, new MessengerIds($"@user_{name.ToLowerInvariant()}", null, null), "test", DateTimeOffset.UtcNow);
}
