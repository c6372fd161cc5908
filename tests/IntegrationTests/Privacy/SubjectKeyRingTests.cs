using EventSourced.Application.Privacy;
using EventSourced.Domain.Privacy;
using EventSourced.Infrastructure.Privacy;
using EventSourced.IntegrationTests.Support;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Privacy;

/// <summary>
/// Keys for new subjects asked for at once, by many writers and by two nodes, over the real keys
/// table: each subject ends with one key whoever asked, and requests that arrived together shared
/// their transactions rather than each committing its own.
/// </summary>
public sealed class SubjectKeyRingTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    [Fact]
    public async Task Concurrent_writers_on_two_nodes_get_one_key_per_subject_created_in_shared_transactions()
    {
        var (nodeA, nodeB) = (Ring(), Ring());
        var tag = Guid.NewGuid().ToString("N")[..8];
        // A buyer is named by email alone by some writers and by email and phone by others.
        var subjects = Enumerable.Range(0, 50).Select(i => i % 2 == 0
            ? (Full: Subject.Buyer($"b{i}-{tag}@example.com", $"+49{i}{tag.Length}00{i}"), Partial: Subject.Buyer($"b{i}-{tag}@example.com", null))
            : (Full: Subject.Visitor($"v{i}-{tag}"), Partial: Subject.Visitor($"v{i}-{tag}"))).ToList();

        var asked = Enumerable.Range(0, 400).Select(i => (Subject: i % 2 == 0 ? i / 2 % 50 : (i * 7) % 50, Full: i % 3 != 0, Ring: i % 2 == 0 ? nodeA : nodeB)).ToList();
        var keys = await Task.WhenAll(asked.Select(a => Task.Run(async () =>
            (await a.Ring.KeysForAsync([a.Full ? subjects[a.Subject].Full! : subjects[a.Subject].Partial!], CancellationToken.None))[0])));

        asked.Zip(keys).GroupBy(a => a.First.Subject).Should().AllSatisfy(g => g.Select(a => a.Second.Id).Distinct().Should().ContainSingle("a subject has one key"));
        asked.Zip(keys).Select(a => (a.First.Subject, a.Second.Id)).Distinct().Select(a => a.Id).Should().OnlyHaveUniqueItems("subjects do not share keys");
        var ids = keys.Select(k => k.Id).Distinct().ToArray();
        var created = await fixture.Node.ScalarAsync($"SELECT count(*) FROM es_keys.subject_keys WHERE key_id IN ({string.Join(',', ids.Select(id => $"'{id}'"))})");
        var transactions = await fixture.Node.ScalarAsync($"SELECT count(DISTINCT xmin::text) FROM es_keys.subject_keys WHERE key_id IN ({string.Join(',', ids.Select(id => $"'{id}'"))})");
        created.Should().Be(50);
        transactions.Should().BeLessThan(50, "keys asked for together were created in shared transactions");
    }

    [Fact]
    public async Task A_full_ring_empties_and_reads_keys_from_the_store_again()
    {
        // Each visitor is one alias and one key: two entries. The third visitor finds four written.
        var ring = Ring(capacity: 4);
        var tag = Guid.NewGuid().ToString("N");
        var first = (await ring.KeysForAsync([Subject.Visitor($"first-{tag}")], CancellationToken.None))[0];
        await ring.KeysForAsync([Subject.Visitor($"second-{tag}")], CancellationToken.None);
        // Changed in the store only: the ring tells by which material it answers whether it asked the store.
        var changed = new byte[32];
        await fixture.Node.ExecuteAsync($"UPDATE es_keys.subject_keys SET material = '\\x{Convert.ToHexString(changed)}' WHERE key_id = '{first.Id}'");

        (await ring.KeysAsync([first.Id], CancellationToken.None))[first.Id].Should().Equal(first.Material, "two subjects fit");
        await ring.KeysForAsync([Subject.Visitor($"third-{tag}")], CancellationToken.None);
        (await ring.KeysAsync([first.Id], CancellationToken.None))[first.Id].Should().Equal(changed, "the third subject found the ring full");
    }

    [Fact]
    public async Task A_key_read_from_the_store_brings_along_the_keys_made_after_it_and_not_before()
    {
        var store = new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options);
        var tag = Guid.NewGuid().ToString("N");
        var made = new List<SubjectKey>();
        foreach (var name in new[] { "before", "asked", "after" })
        {
            made.Add((await store.GetOrCreateAsync([[$"visitor:{name}-{tag}"]], CancellationToken.None))[0]);
        }

        var found = await store.FindAsync([made[1].Id], CancellationToken.None);

        found.Should().ContainKey(made[1].Id).And.ContainKey(made[2].Id).And.NotContainKey(made[0].Id);
        found[made[2].Id].Should().Equal(made[2].Material);
    }

    [Fact]
    public async Task A_key_read_before_its_destruction_is_not_kept_once_the_destruction_is_heard()
    {
        // Read (and destroyed since) in the store: a ring that did not keep it finds it destroyed.
        var store = new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options);
        var subject = Subject.Visitor($"destroyed-{Guid.NewGuid():N}");
        var key = (await store.GetOrCreateAsync([subject.Aliases], CancellationToken.None))[0];
        await store.DestroyAsync(key.Id, SubjectKind.Visitor, CancellationToken.None);

        // The key is kept while the destruction is heard: whichever comes first, the ring must
        // not hold the key afterwards.
        var held = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var ring = Ring();
            var seen = ring.DestructionsHeard;
            Overlapping.Run(i, () => ring.Remember([(subject, key)], seen), () => ring.Forget(key.Id));
            if (ring.Known(subject) is not null || (await ring.KeysAsync([key.Id], CancellationToken.None))[key.Id] is not null)
            {
                held++;
            }
        }

        held.Should().Be(0, "a key destroyed must not be used again for its subject, nor read");
    }

    [Fact]
    public async Task A_key_whose_forgetting_was_read_reads_as_destroyed_before_its_destruction_and_is_not_kept_again()
    {
        // Live in the store: the forgetting's record comes before the key's destruction.
        var store = new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options);
        var (held, notHeld) = (Subject.Visitor($"held-{Guid.NewGuid():N}"), Subject.Visitor($"not-held-{Guid.NewGuid():N}"));
        var ring = Ring();
        var heldKey = (await ring.KeysForAsync([held], CancellationToken.None))[0];
        var notHeldKey = (await store.GetOrCreateAsync([notHeld.Aliases], CancellationToken.None))[0];

        ring.RecordedForgotten(heldKey.Id);
        ring.RecordedForgotten(notHeldKey.Id);

        ring.Known(held).Should().BeNull("the subject's names no longer lead to the key here");
        var read = await ring.KeysAsync([heldKey.Id, notHeldKey.Id], CancellationToken.None);
        read[heldKey.Id].Should().BeNull();
        read[notHeldKey.Id].Should().BeNull();

        // An append for the subject meanwhile fetches the key from the store, live: it is used, not kept.
        var fetched = await ring.KeysForAsync([held, notHeld], CancellationToken.None);
        fetched.Select(k => k.Id).Should().Equal(heldKey.Id, notHeldKey.Id);
        read = await ring.KeysAsync([heldKey.Id, notHeldKey.Id], CancellationToken.None);
        read[heldKey.Id].Should().BeNull();
        read[notHeldKey.Id].Should().BeNull();
    }

    [Fact]
    public async Task A_forgotten_contact_is_never_keyed_again_and_a_forgotten_buyer_who_comes_back_is_a_new_subject()
    {
        var tag = Guid.NewGuid().ToString("N");
        var (contact, buyer) = (Subject.Contact($"owner-{tag}", Guid.NewGuid()), Subject.Buyer($"back-{tag}@example.com", null)!);
        var ring = Ring();
        var keys = await ring.KeysForAsync([contact, buyer], CancellationToken.None);
        await ring.DestroyAsync(keys[0].Id, SubjectKind.Contact, CancellationToken.None);
        await ring.DestroyAsync(keys[1].Id, SubjectKind.Buyer, CancellationToken.None);

        // Another node, holding nothing: the key store alone decides.
        var other = Ring();
        await other.Awaiting(r => r.KeysForAsync([contact], CancellationToken.None).AsTask()).Should().ThrowAsync<ForgottenSubjectException>();
        var back = (await other.KeysForAsync([buyer], CancellationToken.None))[0];
        back.Id.Should().NotBe(keys[1].Id);
        back.IsDestroyed.Should().BeFalse();
        (await other.KeysOfAliasAsync(contact.Aliases[0], CancellationToken.None)).Should().BeEmpty("forgetting the contact again finds nothing to destroy");
    }

    private SubjectKeyRing Ring(int capacity = 200_000) => new(new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options), capacity);
}
