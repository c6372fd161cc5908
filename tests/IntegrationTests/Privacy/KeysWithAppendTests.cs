using System.Text.Json;
using System.Text.RegularExpressions;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Privacy;
using EventSourced.Infrastructure.Privacy;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Privacy;

/// <summary>
/// On PostgreSQL a new subject's key is stored by the append of the events sealed under it, in the
/// same transaction (ADR 0025). A subject that turns out to have a key already (another node made
/// it, or this one before a restart) is sealed again under that key: one key per subject, and a
/// retried append is still recognised. A buyer's new email joins their key, and names that lead to
/// two keys are linked, so that forgetting by any name erases every record that named it.
/// </summary>
public sealed partial class KeysWithAppendTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private const string Owner = "keys-with-append";

    [Fact]
    public async Task A_new_subjects_key_commits_in_the_transaction_of_its_events_and_reads_on_another_node()
    {
        var contact = Guid.NewGuid();
        var added = ContactAdded(contact, "Zinaida Transactova");
        var stream = $"contact-{contact:N}";

        await Node().AppendAsync(stream, ExpectedVersion.NoStream, [added]);

        var keyId = KeyIdIn((await fixture.Node.Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 1)).Single().Data);
        var eventTransaction = await fixture.Node.ScalarAsync($"SELECT xmin::text::bigint FROM es.events WHERE event_id = '{added.EventId}'");
        var keyTransaction = await fixture.Node.ScalarAsync($"SELECT xmin::text::bigint FROM es_keys.subject_keys WHERE key_id = '{keyId}'");
        var aliasTransaction = await fixture.Node.ScalarAsync($"SELECT xmin::text::bigint FROM es_keys.keyed_aliases WHERE key_id = '{keyId}'");
        keyTransaction.Should().Be(eventTransaction, "the key is written by the append itself");
        aliasTransaction.Should().Be(eventTransaction);
        (await Node().ReadStreamAsync(stream, ReadDirection.Forward, 0, 1)).Single().Data.Should().Contain("Zinaida Transactova");
    }

    [Fact]
    public async Task A_subject_keyed_on_another_node_keeps_its_one_key_and_a_retry_there_is_recognised()
    {
        var (nodeA, nodeB) = (Node(), Node());
        var contact = Guid.NewGuid();
        var added = ContactAdded(contact, "Platon Twonodes");
        var first = await nodeA.AppendAsync($"contact-{contact:N}", ExpectedVersion.NoStream, [added]);

        // Node B has never seen the contact: the key it makes is refused, and it seals under A's.
        var renamed = ContactAdded(contact, "Platon Renamed") with { Type = "contact_updated" };
        await nodeB.AppendAsync($"contact-{contact:N}", ExpectedVersion.From(0), [renamed]);
        var retried = await Node().AppendAsync($"contact-{contact:N}", ExpectedVersion.NoStream, [added]);

        retried.Should().Be(first, "the same events sealed again under the same key are the same events");
        var stored = await fixture.Node.Store.ReadStreamAsync($"contact-{contact:N}", ReadDirection.Forward, 0, 10);
        stored.Select(e => KeyIdIn(e.Data)).Distinct().Should().ContainSingle("a subject has one key");
        (await fixture.Node.ScalarAsync($"SELECT count(*) FROM es_keys.keyed_aliases WHERE alias_hash = '\\x{await AliasHashOfAsync(contact)}'")).Should().Be(1);
        (await Node().ReadStreamAsync($"contact-{contact:N}", ReadDirection.Forward, 0, 10)).Select(e => e.Data)
            .Should().SatisfyRespectively(a => a.Should().Contain("Platon Twonodes"), u => u.Should().Contain("Platon Renamed"));
    }

    [Fact]
    public async Task Concurrent_appends_of_new_subjects_on_two_nodes_give_each_subject_one_key()
    {
        var (nodeA, nodeB) = (Node(), Node());
        var contacts = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        // 16 writers, each its own stream, naming the same few new contacts at once: group commits
        // hold several appends with new keys, some for the same subject.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? nodeA : nodeB;
            for (var i = 0; i < 10; i++)
            {
                var contact = contacts[(w + i) % contacts.Length];
                await store.AppendAsync($"keys-writer-{contacts[0]:N}-{w}", ExpectedVersion.From(i - 1), [ContactAdded(contact, $"Writer {w} note {i}")]);
            }
        })));

        var stored = (await Task.WhenAll(Enumerable.Range(0, 16).Select(w => fixture.Node.Store.ReadStreamAsync($"keys-writer-{contacts[0]:N}-{w}", ReadDirection.Forward, 0, 100))))
            .SelectMany(events => events).ToList();
        stored.Should().HaveCount(160);
        stored.GroupBy(e => ContactIdIn(e.Data)).Should().HaveCount(10)
            .And.AllSatisfy(subject => subject.Select(e => KeyIdIn(e.Data)).Distinct().Should().ContainSingle("a subject has one key"));
        var revealed = await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Node().ReadStreamAsync($"keys-writer-{contacts[0]:N}-{w}", ReadDirection.Forward, 0, 100)));
        revealed.SelectMany(events => events).Select(e => e.Data).Should().AllSatisfy(data => data.Should().MatchRegex("Writer [0-9]+ note [0-9]"));
    }

    [Fact]
    public async Task Orders_of_one_new_buyer_appended_at_once_on_one_node_make_one_key_and_none_is_refused()
    {
        var node = Node();
        var tag = Guid.NewGuid().ToString("N")[..12];
        var (email, phone) = ($"burst-{tag}@example.com", $"+7917{Random.Shared.Next(1_000_000, 9_999_999)}");
        // A key refused for its name (another append stored one first) rolls back, but its number
        // from the keys' sequence stays drawn: sequences do not roll back.
        const string KeysDrawn = "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('es_keys.subject_keys', 'seq')::regclass), 0)";
        var before = await fixture.Node.ScalarAsync(KeysDrawn);

        // As a Kafka poll brings them: several orders of a buyer never seen, appended together.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => node.AppendAsync($"order-burst-{tag}-{i}", ExpectedVersion.NoStream, [OrderRecorded(email, phone)]))));

        (await fixture.Node.ScalarAsync(KeysDrawn) - before).Should().Be(1, "the other appends wait for the first one's key instead of making their own");
        var stored = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => fixture.Node.Store.ReadStreamAsync($"order-burst-{tag}-{i}", ReadDirection.Forward, 0, 1)));
        stored.Select(events => KeyIdIn(events.Single().Data)).Distinct().Should().ContainSingle();
    }

    [Fact]
    public async Task A_buyer_seen_again_under_a_new_email_can_be_found_by_it_too()
    {
        var node = Node();
        var tag = Guid.NewGuid().ToString("N")[..12];
        var (phone, firstEmail, secondEmail) = ($"+7915{Random.Shared.Next(1_000_000, 9_999_999)}", $"first-{tag}@example.com", $"second-{tag}@example.com");
        await node.AppendAsync($"order-first-{tag}", ExpectedVersion.NoStream, [OrderRecorded(firstEmail, phone)]);

        // The node knows the buyer by phone; the new email must still lead to the buyer's key.
        await node.AppendAsync($"order-second-{tag}", ExpectedVersion.NoStream, [OrderRecorded(secondEmail, phone)]);

        var keyId = KeyIdIn((await fixture.Node.Store.ReadStreamAsync($"order-second-{tag}", ReadDirection.Forward, 0, 1)).Single().Data);
        var keys = new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options);
        (await keys.KeysOfAliasAsync(Subject.Buyer(secondEmail, null)!.Aliases.Single(), CancellationToken.None)).Should().Equal([keyId], "forgetting the buyer by this email must find their key");
        (await keys.KeysOfAliasAsync(Subject.Buyer(firstEmail, null)!.Aliases.Single(), CancellationToken.None)).Should().Equal(keyId);
    }

    [Fact]
    public async Task A_record_that_links_two_buyers_keys_is_erased_when_either_buyer_is_forgotten()
    {
        var node = Node();
        var tag = Guid.NewGuid().ToString("N")[..12];
        var (email, otherEmail, phone) = ($"link-{tag}@example.com", $"other-{tag}@example.com", $"+7916{Random.Shared.Next(1_000_000, 9_999_999)}");
        // Two buyers, two keys; then one record names the first's email with the second's phone.
        await node.AppendAsync($"order-a-{tag}", ExpectedVersion.NoStream, [OrderRecorded(email, $"+7917{Random.Shared.Next(1_000_000, 9_999_999)}")]);
        await node.AppendAsync($"order-b-{tag}", ExpectedVersion.NoStream, [OrderRecorded(otherEmail, phone)]);
        await node.AppendAsync($"order-c-{tag}", ExpectedVersion.NoStream, [OrderRecorded(email, phone)]);

        await ForgetPhoneAsync(phone);

        var afterwards = Node();
        foreach (var order in new[] { "b", "c" })
        {
            (await afterwards.ReadStreamAsync($"order-{order}-{tag}", ReadDirection.Forward, 0, 1)).Single().Data
                .Should().NotContain(phone[1..], $"order {order} names the forgotten phone").And.Contain(Withheld.Erased);
        }
    }

    [Fact]
    public async Task Buyers_whose_names_cross_within_one_append_are_linked_too()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var phone = $"+7918{Random.Shared.Next(1_000_000, 9_999_999)}";
        // The third names the first's email and the second's phone: two keys made by this very append.
        await Node().AppendAsync($"orders-{tag}", ExpectedVersion.NoStream,
            [OrderRecorded($"a-{tag}@example.com", $"+7919{Random.Shared.Next(1_000_000, 9_999_999)}"), OrderRecorded($"b-{tag}@example.com", phone), OrderRecorded($"a-{tag}@example.com", phone)]);

        await ForgetPhoneAsync(phone);

        (await Node().ReadStreamAsync($"orders-{tag}", ReadDirection.Forward, 0, 3)).Select(e => e.Data).Should().AllSatisfy(data =>
            data.Should().NotContain(phone[1..]).And.Contain(Withheld.Erased));
    }

    private async Task ForgetPhoneAsync(string phone)
    {
        var ring = new SubjectKeyRing(new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options));
        var forgetting = new SubjectForgetting(ring, new CommandHandler(new ProtectedEventStore(fixture.Node.Store, ring), EventCatalog.Create(), new FoldedStates(), StateSnapshots.Off), TimeProvider.System);
        await forgetting.ForgetAsync(new ForgetRequest(Subject.Buyer(null, phone)!, null, null, null, "operator", "test"), new CommandContext("operator", Guid.NewGuid().ToString(), null), CancellationToken.None);
    }

    /// <summary>A node of its own: an empty key ring, as after a start.</summary>
    private ProtectedEventStore Node() => new(fixture.Node.Store, new SubjectKeyRing(new PostgresSubjectKeyStore(fixture.Node.DataSource, fixture.Node.Options)));

    private static EventData ContactAdded(Guid contact, string name) => new(
        Guid.NewGuid(), "contact_added", $$"""{"contactId":"{{contact}}","ownerId":"{{Owner}}","name":"{{name}}","telegram":"@t_{{contact:N}}","whatsApp":null,"viber":null}""", EventMetadata.Empty);

    private static EventData OrderRecorded(string email, string phone) => new(
        Guid.NewGuid(), "order_recorded", JsonSerializer.Serialize(new { order = new { orderId = $"o-{Guid.NewGuid():N}", customer = new { email, phone, name = "Buyer" } } }), EventMetadata.Empty);

    private async Task<string> AliasHashOfAsync(Guid contact) =>
        Convert.ToHexStringLower((await new SubjectKeyRows(fixture.Node.Options).AliasHashKeyAsync(fixture.Node.DataSource, CancellationToken.None)).Hash(Subject.Contact(Owner, contact).Aliases.Single()));

    private static Guid KeyIdIn(string data) => Guid.Parse(SealedKeyId().Match(data).Groups[1].Value);

    private static string ContactIdIn(string data) => ContactId().Match(data).Groups[1].Value;

    [GeneratedRegex("enc:v2:([0-9a-f]{32}):")]
    private static partial Regex SealedKeyId();

    [GeneratedRegex("\"contactId\": ?\"([0-9a-f-]+)\"")]
    private static partial Regex ContactId();
}
