using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Privacy;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.IntegrationTests.Privacy;

/// <summary>
/// Subjects' aliases (a buyer's email and phone, a contact's owner and id) are stored as HMAC under
/// a key wrapped like the subjects' keys, not as their SHA-256, which anyone can compute for every
/// phone number (ADR 0031). Each test has a database of its own: the alias hash key is the database's.
/// </summary>
public sealed class AliasHashingTests
{
    private const string Email = "Hashed.Buyer@example.org";
    private const string Phone = "+49 151 2345 6789";

    private static readonly string Kek = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_dump_of_the_database_holds_a_buyers_and_a_contacts_aliases_only_hashed_under_the_alias_hash_key()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await NodeAsync(database);
        var contact = Guid.NewGuid();
        var store = node.ProtectedStore();
        await store.AppendAsync("order-1", ExpectedVersion.NoStream, [OrderRecorded(Email, Phone)]);
        await store.AppendAsync($"contact-{contact:N}", ExpectedVersion.NoStream, [ContactAdded(contact)]);
        var aliasHashKey = await new SubjectKeyRows(node.Options).AliasHashKeyAsync(node.DataSource, CancellationToken.None);

        var dump = await DatabaseDump.OfAsync(database.ConnectionString);

        (await node.ScalarAsync($"SELECT count(*) FROM es_keys.alias_hash_key a JOIN es_keys.subject_keys k USING (key_id) WHERE k.wrapped_by = '{KeyWrapping.IdOf(Convert.FromBase64String(Kek))}'"))
            .Should().Be(1, "the alias hash key is stored as subjects' keys are, wrapped under the key-encryption key");
        string[] aliases = [.. Subject.Buyer(Email, Phone)!.Aliases, .. Subject.Contact("alias-hashing", contact).Aliases];
        aliases.Should().HaveCount(3);
        foreach (var alias in aliases)
        {
            dump.Should().NotContain(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(alias))), $"SHA-256 of '{alias}' is found by trying every alias");
            dump.Should().Contain(Convert.ToHexStringLower(aliasHashKey.Hash(alias)), "the alias is stored, keyed");
        }
    }

    [Fact]
    public async Task Aliases_an_earlier_version_hashed_move_under_the_alias_hash_key_when_nodes_first_start_and_their_tables_go()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var nodeA = await NodeAsync(database);
        await using var nodeB = await NodeAsync(database);
        // As an earlier version stored a buyer: the key, the email's SHA-256, and the phone linked to the key.
        var key = SubjectKey.New();
        var (email, phone) = (Subject.Buyer(Email, null)!.Aliases.Single(), Subject.Buyer(null, Phone)!.Aliases.Single());
        await using (var earlier = nodeA.DataSource.CreateBatch())
        {
            earlier.BatchCommands.Add(new("INSERT INTO es_keys.subject_keys (key_id, material) VALUES ($1, $2)") { Parameters = { new() { Value = key.Id }, new() { Value = key.Material } } });
            earlier.BatchCommands.Add(new("INSERT INTO es_keys.subject_aliases VALUES (sha256(convert_to($1, 'UTF8')), $2)") { Parameters = { new() { Value = email }, new() { Value = key.Id } } });
            earlier.BatchCommands.Add(new("INSERT INTO es_keys.subject_alias_links VALUES (sha256(convert_to($1, 'UTF8')), $2)") { Parameters = { new() { Value = phone }, new() { Value = key.Id } } });
            await earlier.ExecuteNonQueryAsync();
        }

        // Two nodes of this version start together.
        using var logs = new CapturedLogs(LogLevel.Information);
        using var loggers = new LoggerFactory([logs]);
        await Task.WhenAll(StartAsync(nodeA, loggers), StartAsync(nodeB, loggers));

        (await nodeA.ScalarAsync("SELECT count(*) FROM es_keys.alias_hash_key")).Should().Be(1, "the nodes made one alias hash key between them");
        logs.Lines.Should().ContainSingle(l => l.Contains("Made the alias hash key and moved 2 subjects' aliases and links", StringComparison.Ordinal), "the node that made it says what it moved");
        foreach (var node in new[] { nodeA, nodeB })
        {
            var keys = new PostgresSubjectKeyStore(node.DataSource, node.Options);
            (await keys.KeysOfAliasAsync(email, CancellationToken.None)).Should().Equal([key.Id], "forgetting by email still finds the buyer");
            (await keys.KeysOfAliasAsync(phone, CancellationToken.None)).Should().Equal([key.Id], "and by the phone linked to them");
            (await keys.GetOrCreateAsync([[email]], CancellationToken.None)).Single().Id.Should().Be(key.Id, "their orders are still sealed under their one key");
        }

        (await nodeA.ScalarAsync("SELECT count(*) FROM pg_tables WHERE schemaname = 'es_keys' AND tablename IN ('subject_aliases', 'subject_alias_links')")).Should().Be(0);
        var unkeyedWrite = () => nodeA.ExecuteAsync($"INSERT INTO es_keys.subject_aliases VALUES ('\\x00', '{Guid.NewGuid()}')");
        (await unkeyedWrite.Should().ThrowAsync<PostgresException>("a node of an earlier version fails rather than store an unkeyed hash")).Which.SqlState.Should().Be(PostgresErrorCodes.UndefinedTable);
    }

    [Fact]
    public async Task A_node_refuses_to_start_when_the_alias_hash_key_was_altered_or_lost_rather_than_make_another()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await NodeAsync(database);
        await StartAsync(node);
        const string AliasHashKeyRow = "FROM es_keys.subject_keys WHERE key_id IN (SELECT key_id FROM es_keys.alias_hash_key)";

        await node.ExecuteAsync("UPDATE es_keys.subject_keys SET material = set_byte(material, 59, get_byte(material, 59) # 1) WHERE key_id IN (SELECT key_id FROM es_keys.alias_hash_key)");
        var altered = await Record.ExceptionAsync(() => RestartAsync(database));
        await node.ExecuteAsync($"DELETE {AliasHashKeyRow}");
        var lost = await Record.ExceptionAsync(() => RestartAsync(database));

        altered.Should().BeOfType<CryptographicException>().Which.Message.Should().Contain("alias hash key").And.Contain("was altered");
        lost.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("restore both from a backup");
        (await node.ScalarAsync($"SELECT count(*) {AliasHashKeyRow}")).Should().Be(0, "no second alias hash key was made");
    }

    private static Task<EventStoreNode> NodeAsync(TestDatabase database) =>
        EventStoreNode.StartAsync(database.ConnectionString, new EventStoreOptions { KeyEncryptionKey = Kek, ReadAllSettleTimeout = Wait.Patience });

    /// <summary>Another start of a node on the database, as after a restart: it reads the alias hash key afresh.</summary>
    private static async Task RestartAsync(TestDatabase database)
    {
        await using var node = await NodeAsync(database);
        await StartAsync(node);
    }

    /// <summary>What a node does at start-up, before it serves.</summary>
    private static Task StartAsync(EventStoreNode node, ILoggerFactory? loggers = null) =>
        new KeyEncryptionKeys(node.DataSource, node.Options, (loggers ?? NullLoggerFactory.Instance).CreateLogger<KeyEncryptionKeys>()).StartAsync(CancellationToken.None);

    private static EventData ContactAdded(Guid contact) => new(
        Guid.NewGuid(), "contact_added", $$"""{"contactId":"{{contact}}","ownerId":"alias-hashing","name":"Hashed Contact","telegram":"@hashed","whatsApp":null,"viber":null}""", EventMetadata.Empty);

    private static EventData OrderRecorded(string email, string phone) => new(
        Guid.NewGuid(), "order_recorded", JsonSerializer.Serialize(new { order = new { orderId = $"o-{Guid.NewGuid():N}", customer = new { email, phone, name = "Buyer" } } }), EventMetadata.Empty);
}
