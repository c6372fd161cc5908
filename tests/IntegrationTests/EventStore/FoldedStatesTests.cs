using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>The command handler remembers folded states, yet never decides on a stale or deleted one.</summary>
public sealed class FoldedStatesTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();
    private static readonly CommandContext Context = new("test", "test", null);

    [Fact]
    public async Task A_remembered_state_catches_up_with_what_another_node_appended()
    {
        var owner = $"owner-{Guid.NewGuid():N}";
        var here = new CommandHandler(fixture.Node.Store, Registry, new FoldedStates());
        var elsewhere = new CommandHandler(fixture.Node.Store, Registry, new FoldedStates());
        await here.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), Add(owner, "Anna"), Context);

        await elsewhere.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), Add(owner, "Boris"), Context);
        var (book, version) = await here.LoadAsync(ContactBook.Decider, ContactBook.StreamId(owner));

        version.Should().Be(1);
        book.Contacts.Values.Select(c => c.Name).Should().BeEquivalentTo("Anna", "Boris");
    }

    [Fact]
    public async Task A_stream_soft_deleted_since_is_folded_afresh_rather_than_from_memory()
    {
        var owner = $"owner-{Guid.NewGuid():N}";
        var handler = new CommandHandler(fixture.Node.Store, Registry, new FoldedStates());
        await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), Add(owner, "Anna"), Context);
        await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), Add(owner, "Boris"), Context);

        await fixture.Node.Store.SoftDeleteAsync(ContactBook.StreamId(owner));
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(owner));

        book.Contacts.Should().BeEmpty();
    }

    private static AddContact Add(string owner, string name) =>
        new(Guid.NewGuid(), owner, name, new MessengerIds($"@user_{name.ToLowerInvariant()}", null, null), "test", DateTimeOffset.UtcNow);
}
