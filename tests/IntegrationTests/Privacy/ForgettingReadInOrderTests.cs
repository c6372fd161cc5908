using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Privacy;
using EventSourced.Infrastructure.Privacy;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Privacy;

/// <summary>
/// A forgetting is recorded before its key is destroyed (ADR 0025), so an event sealed under the
/// key can be stored after the record. A reader of the store's order that has passed the record
/// reads such an event as erased, though the key is still live: otherwise a projection wrote it in
/// clear over the erasure it had just made.
/// </summary>
public sealed class ForgettingReadInOrderTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();

    [Fact]
    public async Task An_event_stored_after_a_forgetting_under_its_key_reads_as_erased_to_readers_that_passed_the_record()
    {
        var node = fixture.Node;
        var writer = node.ProtectedStore();
        var (owner, contact) = ($"owner-{Guid.NewGuid():N}", Guid.NewGuid());
        var now = DateTimeOffset.UtcNow;
        var before = await node.Store.LastPositionAsync();
        await writer.AppendAsync(ContactBook.StreamId(owner), ExpectedVersion.NoStream, [Event(new ContactAdded(contact, owner, "Before Forgetting", null, null, "before-viber", owner, now))]);
        var keyId = (await new PostgresSubjectKeyStore(node.DataSource, node.Options).KeysOfAliasAsync(Subject.Contact(owner, contact).Aliases[0], CancellationToken.None)).Single();
        await writer.AppendAsync(ForgottenSubject.StreamId(keyId), ExpectedVersion.NoStream, [Event(new SubjectForgotten(keyId, SubjectKind.Contact, owner, contact, null, "ops", "asked", now))]);
        // Decided before the record and stored after it, under the key still live. Each reader
        // below is another node's: a key ring of its own, holding no key yet.
        await writer.AppendAsync(ContactBook.StreamId(owner), ExpectedVersion.From(0), [Event(new ContactUpdated(contact, owner, "After Forgetting", null, null, "after-viber", owner, now))]);
        var filter = EventFilter.ForTypes("contact_added", "contact_updated", "subject_forgotten");

        var paged = (await node.ProtectedStore().ReadAllAsync(before, 100, filter)).Events.Where(Mine).ToList();
        var subscribed = new List<RecordedEvent>();
        using (var stop = new CancellationTokenSource())
        {
            await foreach (var recorded in node.ProtectedStore().SubscribeToAllAsync(before, filter, stop.Token))
            {
                if (Mine(recorded))
                {
                    subscribed.Add(recorded);
                }

                if (subscribed.Count == 3)
                {
                    await stop.CancelAsync();
                    break;
                }
            }
        }

        // A page is heeded whole: what comes before the record in it reads as erased a moment early.
        Names(paged).Should().Equal(Withheld.Erased, Withheld.Erased);
        Names(subscribed).Should().Equal("Before Forgetting", Withheld.Erased);
        Names(await node.ProtectedStore().ReadStreamAsync(ContactBook.StreamId(owner), ReadDirection.Forward, 0, 10)).Should().Equal(
            new[] { "Before Forgetting", "After Forgetting" }, "a reader that has not passed the record reads the key as live until it is destroyed");

        bool Mine(RecordedEvent e) => e.StreamId == ContactBook.StreamId(owner) || e.StreamId == ForgottenSubject.StreamId(keyId);
    }

    private static EventData Event(object e) => Registry.ToEventData(e, Guid.NewGuid(), EventMetadata.Empty);

    private static IEnumerable<string> Names(IEnumerable<RecordedEvent> events) =>
        events.Select(Registry.Deserialize).Select(e => e switch { ContactAdded a => a.Name, ContactUpdated u => u.Name, _ => null }).OfType<string>();
}
