using System.Security.Cryptography;
using System.Text.RegularExpressions;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Privacy;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Privacy;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.Privacy;

/// <summary>
/// Subjects' keys wrapped under a key-encryption key the database never holds (ADR 0030): the keys
/// table alone opens nothing, a node without a key-encryption key in use refuses to start, and
/// `subjects rewrap-keys` moves every live key to a new key-encryption key, after which the old
/// one can go. Each test has a database of its own: which key-encryption keys are in use is the
/// database's state.
/// </summary>
public sealed partial class KeyWrappingTests
{
    private const string Owner = "key-wrapping";

    private static readonly string Kek1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string Kek2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_key_is_stored_wrapped_opens_only_under_the_key_encryption_key_and_a_node_without_it_refuses_to_start()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await NodeAsync(database, Kek1);
        await CheckAsync(node);
        var contact = Guid.NewGuid();
        await AddContactAsync(node, contact, "Wilhelmina Wrapped");

        var (sealedName, keyId) = await StoredAsync(node, contact);
        var (stored, wrappedBy) = await RowOfAsync(node, keyId);
        wrappedBy.Should().Be(IdOf(Kek1));
        stored.Should().HaveCount(60, "nonce, tag and the wrapped 32 bytes");
        var material = KeyWrapping.From(Kek1, []).Unwrap(keyId, stored, wrappedBy)!;
        var sealedText = Regex.Match(sealedName, "\"(enc:v2:[^\"^]+)\"").Groups[1].Value;
        FieldCipher.Open(new SubjectKey(keyId, material), sealedText).Should().Contain("Wilhelmina Wrapped", "the unwrapped key is the event's key");
        Convert.ToHexString(stored).Should().NotContain(Convert.ToHexString(material), "the table holds no key in clear");
        (await ReadContactAsync(node, contact)).Should().Contain("Wilhelmina Wrapped", "a node starting afresh unwraps the key");

        await using var bare = await NodeAsync(database, null);
        var refused = await FluentActions.Awaiting(() => CheckAsync(bare)).Should().ThrowAsync<KeyEncryptionKeyMissingException>();
        refused.Which.Ids.Should().Equal(IdOf(Kek1));
        refused.Which.Message.Should().Contain("EventStore:KeyEncryptionKey");
    }

    [Fact]
    public async Task Rewrapping_moves_every_live_key_to_the_new_key_encryption_key_leaves_destroyed_ones_destroyed_and_retires_the_old_one()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (before, first, forgotten) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var unwrapped = await NodeAsync(database, null))
        {
            await AddContactAsync(unwrapped, before, "Ulrich Unwrapped");
        }

        Guid forgottenKey;
        await using (var underKek1 = await NodeAsync(database, Kek1))
        {
            await CheckAsync(underKek1);
            await AddContactAsync(underKek1, first, "Frieda First");
            await AddContactAsync(underKek1, forgotten, "Gone Gertrud");
            var keys = new PostgresSubjectKeyStore(underKek1.DataSource, underKek1.Options);
            forgottenKey = (await keys.KeysOfAliasAsync(Subject.Contact(Owner, forgotten).Aliases.Single(), CancellationToken.None)).Single();
            await keys.DestroyAsync(forgottenKey, SubjectKind.Contact, CancellationToken.None);
        }

        var (code, output) = await OperatorCli.RunAsync(Rotating(database), "subjects", "rewrap-keys");
        var (again, twice) = await OperatorCli.RunAsync(Rotating(database), "subjects", "rewrap-keys");
        var (refused, why) = await OperatorCli.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings:EventStore"] = database.ConnectionString }, "subjects", "rewrap-keys");

        (code, again, refused).Should().Be((0, 0, 2));
        // The two live contacts' keys, and the key their aliases are hashed under (ADR 0031).
        output.Should().Contain($"rewrapped 3 keys under key-encryption key {IdOf(Kek2)}.").And.Contain($"no longer in use: {IdOf(Kek1)}.").And.Contain("no other key-encryption key is in use.")
            .And.Contain("every key is wrapped now: set EventStore:RefuseUnwrappedKeys=true");
        twice.Should().Contain("rewrapped 0 keys").And.NotContain("no longer in use").And.Contain("no other key-encryption key is in use.");
        why.Should().Contain("Set EventStore:KeyEncryptionKey");
        await using var underKek2 = await NodeAsync(database, Kek2);
        await CheckAsync(underKek2);
        (await underKek2.ScalarAsync($"SELECT count(*) FROM es_keys.subject_keys WHERE material IS NOT NULL AND wrapped_by IS DISTINCT FROM '{IdOf(Kek2)}'")).Should().Be(0);
        (await underKek2.ScalarAsync($"SELECT count(*) FROM es_keys.subject_keys WHERE key_id = '{forgottenKey}' AND material IS NULL")).Should().Be(1, "a destroyed key stays destroyed");
        foreach (var (contact, name) in new[] { (before, "Ulrich Unwrapped"), (first, "Frieda First") })
        {
            (await ReadContactAsync(underKek2, contact)).Should().Contain(name, "the new key-encryption key alone opens every key");
        }

        (await ReadContactAsync(underKek2, forgotten)).Should().Contain(Withheld.Erased).And.NotContain("Gone Gertrud");
        await using var stale = await NodeAsync(database, Kek1);
        (await FluentActions.Awaiting(() => CheckAsync(stale)).Should().ThrowAsync<KeyEncryptionKeyMissingException>()).Which.Ids.Should().Equal(IdOf(Kek2));
    }

    [Fact]
    public async Task An_altered_key_row_reads_as_unreadable_refuses_new_data_for_its_subject_and_is_left_by_rewrapping()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await NodeAsync(database, Kek1);
        await CheckAsync(node);
        var contact = Guid.NewGuid();
        await AddContactAsync(node, contact, "Adelheid Altered");
        await node.ExecuteAsync("UPDATE es_keys.subject_keys SET material = set_byte(material, 59, get_byte(material, 59) # 1) WHERE key_id NOT IN (SELECT key_id FROM es_keys.alias_hash_key)");

        var read = await ReadContactAsync(node, contact);
        var renamed = ContactAdded(contact, "Adelheid Again") with { Type = "contact_updated" };
        // Before the rotation below: it moves the alias hash key to Kek2, which this node lacks.
        var appendFailure = await Record.ExceptionAsync(() => Protected(node).AppendAsync($"contact-{contact:N}", ExpectedVersion.From(0), [renamed]));
        var (code, output) = await OperatorCli.RunAsync(Rotating(database), "subjects", "rewrap-keys");

        read.Should().Contain(Withheld.Unreadable).And.NotContain("Adelheid");
        appendFailure.Should().BeOfType<CryptographicException>().Which.Message.Should().Contain("was altered");
        code.Should().Be(0);
        output.Should().Contain("rewrapped 1 keys", "the alias hash key").And.Contain("1 keys did not open").And.NotContain("no longer in use")
            .And.Contain($"still in use: {IdOf(Kek1)}", "the altered row stays, and with it its key-encryption key").And.NotContain("every key is wrapped now");
    }

    [Fact]
    public async Task A_key_planted_in_clear_in_a_subjects_row_seals_its_new_data_unless_unwrapped_rows_are_refused()
    {
        // Someone able to write the keys table, not the nodes' settings, swaps a subject's row for a key of their own.
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await NodeAsync(database, Kek1);
        await CheckAsync(node);
        var contact = Guid.NewGuid();
        await AddContactAsync(node, contact, "Petra Planted");
        var (_, keyId) = await StoredAsync(node, contact);
        var planted = RandomNumberGenerator.GetBytes(32);
        await node.ExecuteAsync($"UPDATE es_keys.subject_keys SET material = '\\x{Convert.ToHexString(planted)}', wrapped_by = NULL WHERE key_id = '{keyId}'");
        var renamed = ContactAdded(contact, "Petra Secret") with { Type = "contact_updated" };

        await using var refusing = await NodeAsync(database, Kek1, refuseUnwrapped: true);
        var read = await ReadContactAsync(refusing, contact);
        var refused = await Record.ExceptionAsync(() => Protected(refusing).AppendAsync($"contact-{contact:N}", ExpectedVersion.From(0), [renamed]));
        await using var trusting = await NodeAsync(database, Kek1);
        await Protected(trusting).AppendAsync($"contact-{contact:N}", ExpectedVersion.From(0), [renamed]);
        var stolen = (await trusting.Store.ReadStreamAsync($"contact-{contact:N}", ReadDirection.Forward, 1, 1)).Single().Data;
        var (code, output) = await OperatorCli.RunAsync(
            new Dictionary<string, string?> { ["ConnectionStrings:EventStore"] = database.ConnectionString, ["EventStore:KeyEncryptionKey"] = Kek1, ["EventStore:RefuseUnwrappedKeys"] = "true" },
            "subjects", "rewrap-keys");

        read.Should().Contain(Withheld.Unreadable).And.NotContain("Petra");
        refused.Should().BeOfType<CryptographicException>().Which.Message.Should().Contain("EventStore:RefuseUnwrappedKeys");
        var sealedText = Regex.Match(stolen, "\"(enc:v2:[^\"^]+)\"").Groups[1].Value;
        FieldCipher.Open(new SubjectKey(keyId, planted), sealedText).Should().Contain("Petra Secret", "without the refusal, the planted key seals the new data");
        code.Should().Be(0);
        output.Should().Contain("1 keys did not open (their rows were altered, or stored unwrapped, which EventStore:RefuseUnwrappedKeys refuses)");
        (await RowOfAsync(node, keyId)).WrappedBy.Should().BeNull("rewrapping never makes a planted key trusted");
    }

    [Fact]
    public async Task A_node_refused_for_a_missing_key_encryption_key_records_nothing_so_the_nodes_holding_every_one_still_start()
    {
        // A stale or mistyped secret on one node must not stop the others' next restart.
        await using var database = await TestDatabase.CreateAsync();
        await using var right = await NodeAsync(database, Kek1);
        await CheckAsync(right);
        await AddContactAsync(right, Guid.NewGuid(), "Rita Right");

        await using var wrong = await NodeAsync(database, Kek2);
        var refused = await FluentActions.Awaiting(() => CheckAsync(wrong)).Should().ThrowAsync<KeyEncryptionKeyMissingException>();

        refused.Which.Ids.Should().Equal(IdOf(Kek1));
        refused.Which.Message.Should().Contain($"{IdOf(Kek1)} (2 keys)", "the contact's key and the alias hash key are wrapped under it");
        await using var restarted = await NodeAsync(database, Kek1);
        await CheckAsync(restarted);
    }

    [Fact]
    public async Task A_key_encryption_key_a_node_started_with_but_no_key_is_wrapped_under_is_named_so_and_can_be_retired_one_wrapping_keys_cannot()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var unwrapped = await NodeAsync(database, null))
        {
            // The alias hash key is made here, unwrapped: a node started with Kek1 later wraps nothing until it meets a new subject.
            await CheckAsync(unwrapped);
            await AddContactAsync(unwrapped, Guid.NewGuid(), "Ulla Unwrapped");
        }

        await using (var tried = await NodeAsync(database, Kek1))
        {
            await CheckAsync(tried);
        }

        await using var bare = await NodeAsync(database, null);
        var refused = await FluentActions.Awaiting(() => CheckAsync(bare)).Should().ThrowAsync<KeyEncryptionKeyMissingException>();
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:EventStore"] = database.ConnectionString };
        var (retired, said) = await OperatorCli.RunAsync(settings, "subjects", "retire-kek", IdOf(Kek1));
        var (again, saidAgain) = await OperatorCli.RunAsync(settings, "subjects", "retire-kek", IdOf(Kek1));
        await CheckAsync(bare);
        await using (var wrapping = await NodeAsync(database, Kek2))
        {
            await CheckAsync(wrapping);
            await AddContactAsync(wrapping, Guid.NewGuid(), "Wanda Wrapped");
        }

        var (kept, why) = await OperatorCli.RunAsync(settings, "subjects", "retire-kek", IdOf(Kek2));

        refused.Which.Message.Should().Contain($"{IdOf(Kek1)}, recorded by a node started with it, wraps no key").And.Contain($"subjects retire-kek {IdOf(Kek1)}");
        (retired, again, kept).Should().Be((0, 3, 4));
        said.Should().Contain($"retired {IdOf(Kek1)}");
        saidAgain.Should().Contain("not recorded as in use");
        why.Should().Contain("1 keys are wrapped under it").And.Contain("rewrap-keys");
        (await bare.ScalarAsync($"SELECT count(*) FROM es_keys.key_encryption_keys WHERE kek_id = '{IdOf(Kek2)}'")).Should().Be(1, "keys are wrapped under it");
    }

    [Fact]
    public async Task The_api_host_refuses_to_start_without_a_key_encryption_key_in_use()
    {
        var api = new EmptyStoreApi();
        try
        {
            await api.InitializeAsync();
            await using (var other = await NodeAsync(api.Database, Kek1))
            {
                await CheckAsync(other);
            }

            // The host has the tests' key-encryption key only, not Kek1.
            FluentActions.Invoking(() => api.ClientFor("alice")).Should().Throw<KeyEncryptionKeyMissingException>().Which.Ids.Should().Equal(IdOf(Kek1));
            // The refusal is the one error logged: no service stopped by the failed start reports its cancellation as a fault.
            api.Errors.Lines.Should().NotContain(line => line.Contains(nameof(OperationCanceledException)));
        }
        finally
        {
            await api.DisposeHostAndDatabaseAsync();
        }
    }

    /// <summary>The operator command line's settings mid-rotation: Kek2 current, Kek1 previous.</summary>
    private static Dictionary<string, string?> Rotating(TestDatabase database) => new()
    {
        ["ConnectionStrings:EventStore"] = database.ConnectionString, ["EventStore:KeyEncryptionKey"] = Kek2, ["EventStore:PreviousKeyEncryptionKeys:0"] = Kek1,
    };

    private static Task<EventStoreNode> NodeAsync(TestDatabase database, string? kek, bool refuseUnwrapped = false) =>
        EventStoreNode.StartAsync(database.ConnectionString, new EventStoreOptions { KeyEncryptionKey = kek, RefuseUnwrappedKeys = refuseUnwrapped, ReadAllSettleTimeout = Wait.Patience });

    /// <summary>What the node checks at start-up, before it serves.</summary>
    private static Task CheckAsync(EventStoreNode node) => new KeyEncryptionKeys(node.DataSource, node.Options, NullLogger<KeyEncryptionKeys>.Instance).CheckAsync(CancellationToken.None);

    /// <summary>A contact added through a node of its own: an empty key ring, as after a start.</summary>
    private static Task AddContactAsync(EventStoreNode node, Guid contact, string name) =>
        Protected(node).AppendAsync($"contact-{contact:N}", ExpectedVersion.NoStream, [ContactAdded(contact, name)]);

    /// <summary>A contact's first event as a node of its own reads it (the key read from the table).</summary>
    private static async Task<string> ReadContactAsync(EventStoreNode node, Guid contact) =>
        (await Protected(node).ReadStreamAsync($"contact-{contact:N}", ReadDirection.Forward, 0, 1)).Single().Data;

    /// <summary>A node of its own: an empty key ring, as after a start.</summary>
    private static ProtectedEventStore Protected(EventStoreNode node) => new(node.Store, new SubjectKeyRing(new PostgresSubjectKeyStore(node.DataSource, node.Options)));

    /// <summary>A contact's first event as the store holds it, sealed, and the key it is sealed under.</summary>
    private static async Task<(string Data, Guid KeyId)> StoredAsync(EventStoreNode node, Guid contact)
    {
        var data = (await node.Store.ReadStreamAsync($"contact-{contact:N}", ReadDirection.Forward, 0, 1)).Single().Data;
        return (data, Guid.Parse(SealedKeyId().Match(data).Groups[1].Value));
    }

    private static async Task<(byte[] Stored, string? WrappedBy)> RowOfAsync(EventStoreNode node, Guid keyId)
    {
        await using var command = node.DataSource.CreateCommand("SELECT material, wrapped_by FROM es_keys.subject_keys WHERE key_id = $1");
        command.Parameters.AddWithValue(keyId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    private static string IdOf(string kek) => KeyWrapping.IdOf(Convert.FromBase64String(kek));

    private static EventData ContactAdded(Guid contact, string name) => new(
        Guid.NewGuid(), "contact_added", $$"""{"contactId":"{{contact}}","ownerId":"{{Owner}}","name":"{{name}}","telegram":"@t_{{contact:N}}","whatsApp":null,"viber":null}""", EventMetadata.Empty);

    [GeneratedRegex("enc:v2:([0-9a-f]{32}):")]
    private static partial Regex SealedKeyId();
}
