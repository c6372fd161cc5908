using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EventSourced.Cli;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Cli;

/// <summary>The users' command line against the API as a real process, as a user or a script would run it.</summary>
public sealed class UserCliTests(ApiProcessSite site) : IClassFixture<ApiProcessSite>
{
    [Fact]
    public async Task A_user_adds_lists_updates_and_removes_contacts_by_name_in_tables_and_json()
    {
        var name = $"Anna {Guid.NewGuid():N}"[..13];

        var added = await RunAsync("alice", "contacts", "add", "--name", name, "--telegram", "@anna_k", "--viber", "anna-v", "--json");
        added.Code.Should().Be(0, added.Error);
        var position = JsonDocument.Parse(added.Output).RootElement.GetProperty("position").GetInt64();
        var listed = await RunAsync("alice", "contacts", "list", "--min-position", $"{position}");
        var alone = await RunAsync("alice", "contacts");
        var searched = await RunAsync("alice", "contacts", "list", "--search", name.ToUpperInvariant(), "--json");
        var updated = await RunAsync("alice", "contacts", "update", name, "--telegram", "", "--whatsapp", "+79001234567", "--json");
        updated.Code.Should().Be(0, updated.Error);
        var after = await RunAsync("alice", "contacts", "list", "--min-position", JsonDocument.Parse(updated.Output).RootElement.GetProperty("position").GetInt64().ToString(), "--json");
        var removed = await RunAsync("alice", "contacts", "remove", name);

        (added.Code, listed.Code, updated.Code, after.Code, removed.Code).Should().Be((0, 0, 0, 0, 0));
        listed.Output.Should().Contain("Name").And.Contain("Telegram").And.Contain(name).And.Contain("@anna_k").And.Contain("anna-v");
        (alone.Code, alone.Output).Should().Be((0, listed.Output), "`contacts` alone lists the first page, as `contacts list` does");
        JsonDocument.Parse(searched.Output).RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Equal(name);
        var contact = JsonDocument.Parse(after.Output).RootElement.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        (contact.GetProperty("telegram").ValueKind, contact.GetProperty("whatsApp").GetString(), contact.GetProperty("viber").GetString()).Should().Be((JsonValueKind.Null, "+79001234567", "anna-v"));
        removed.Output.Should().Contain($"Removed {name}");
        // A name is looked up in the list, the read model, which shows the removal a moment later
        // (a removal answers 204, without a position to wait for).
        await Eventually.HoldsAsync(async () => !(await RunAsync("alice", "contacts", "list", "--search", name, "--json")).Output.Contains(name, StringComparison.Ordinal), "the list to show the removal");
        (await RunAsync("alice", "contacts", "remove", name)).Should().Match<(int Code, string Output, string Error)>(r => r.Code == ExitCodes.NotFound && r.Error.Contains(name));
    }

    [Fact]
    public async Task A_user_exports_every_contact_to_a_csv_file_that_import_reads_back_leaving_out_forgotten_ones()
    {
        var u = Guid.NewGuid().ToString("N")[..6];
        using var files = new TemporaryDirectory();
        // Some hundreds, so the file is streamed over several writes; a name that must be quoted.
        // Named to sort last, so that they push no other test's contact off the list's first page.
        var many = files.Write("many.csv", "name,viber\n" + string.Concat(Enumerable.Range(0, 501).Select(i => $"Zz export {i} {u},export-{i}-{u}\n")));
        (await RunAsync("alice", "contacts", "import", many)).Code.Should().Be(0);
        var quoted = $"Ivanov, Artem \"Tema\" {u}";
        (await RunAsync("alice", "contacts", "add", "--name", quoted, "--telegram", "@tema_export", "--whatsapp", "+4915100000041")).Code.Should().Be(0);
        (await RunAsync("alice", "contacts", "add", "--name", $"Forgotten {u}", "--viber", $"forgotten-{u}")).Code.Should().Be(0);
        var forgotten = await RunAsync("alice", "contacts", "forget", $"Forgotten {u}", "--reason", "asked to be forgotten", "--json");
        forgotten.Code.Should().Be(0, forgotten.Error);
        var exportedFile = Path.Combine(files.Path, "exported.csv");

        var exported = await RunAsync("alice", "contacts", "export", exportedFile, "--json");
        var reimported = await RunAsync("alice", "contacts", "import", exportedFile, "--skip-existing", "--json");

        exported.Code.Should().Be(0, exported.Error);
        var summary = JsonDocument.Parse(exported.Output).RootElement;
        summary.GetProperty("leftOut").GetInt32().Should().BeGreaterThanOrEqualTo(1, "the forgotten contact reads as erased");
        var lines = File.ReadAllLines(exportedFile);
        lines[0].Should().Be("name,telegram,whatsapp,viber");
        lines.Length.Should().Be(summary.GetProperty("written").GetInt32() + 1);
        lines.Where(l => l.Contains(u)).Should().HaveCount(502).And.Contain($"\"Ivanov, Artem \"\"Tema\"\" {u}\",@tema_export,+4915100000041,").And.Contain($"Zz export 500 {u},,,export-500-{u}");
        lines.Should().NotContain(l => l.Contains("[erased]") || l.Contains($"forgotten-{u}"));
        reimported.Code.Should().Be(0, reimported.Error);
        var again = JsonDocument.Parse(reimported.Output).RootElement;
        (again.GetProperty("added").GetArrayLength(), again.GetProperty("skipped").GetArrayLength()).Should().Be((0, lines.Length - 1), "every exported contact reads back as one already there");
        var refusedFile = Path.Combine(files.Path, "refused.csv");
        (await RunAsync("nobody", "contacts", "export", refusedFile)).Code.Should().Be(ExitCodes.Denied);
        var nowhere = await RunAsync("alice", "contacts", "export", Path.Combine(files.Path, "missing", "contacts.csv"));
        (nowhere.Code, nowhere.Error).Should().Match<(int Code, string Error)>(r => r.Code == ExitCodes.Usage && r.Error.StartsWith("Cannot write", StringComparison.Ordinal));
        Directory.GetFiles(files.Path).Select(Path.GetFileName).Should().NotContain(f => f!.StartsWith("refused", StringComparison.Ordinal), "a refused export leaves no file, whole or partial");
    }

    [Fact]
    public async Task A_user_imports_contacts_from_a_spreadsheets_csv_file_and_what_is_refused_is_told_by_its_line()
    {
        var u = Guid.NewGuid().ToString("N")[..6];
        using var files = new TemporaryDirectory();
        // As a spreadsheet in many languages exports it: semicolons, a quoted name holding one.
        var contacts = files.Write("contacts.csv", $"Name;Telegram;WhatsApp\n\"Ivanov; Petr {u}\";@petr_iv;\nOlga {u};;+49 151 1234 5678\n");
        var badRow = files.Write("bad-row.csv", $"name,whatsapp\nFine {u},+4915100000000\n\n\"Bad\n{u}\",12\n");
        var badColumn = files.Write("bad-column.csv", $"name,phone\nPhoned {u},+4915100000000\n");
        var twiceColumn = files.Write("twice-column.csv", $"name,viber,Viber\nTwice {u},one,two\n");
        // More than the API takes at once: sent in two imports.
        var many = files.Write("many.csv", "viber,name\n" + string.Concat(Enumerable.Range(0, 1001).Select(i => $"many-{i},Many {i} {u}\n")));

        var imported = await RunAsync("alice", "contacts", "import", contacts);
        var again = await RunAsync("alice", "contacts", "import", contacts);
        var skipping = await RunAsync("alice", "contacts", "import", contacts, "--skip-existing");
        var refusedRow = await RunAsync("alice", "contacts", "import", badRow);
        var refusedColumn = await RunAsync("alice", "contacts", "import", badColumn);
        var refusedTwice = await RunAsync("alice", "contacts", "import", twiceColumn);
        var manyImported = await RunAsync("alice", "contacts", "import", many, "--json");

        (imported.Code, imported.Output.Trim()).Should().Be((0, "Imported 2 contacts."), imported.Error);
        again.Code.Should().Be(ExitCodes.Conflict, again.Output);
        again.Error.Should().Contain($"'Ivanov; Petr {u}', 'Olga {u}'").And.Contain("nothing was imported");
        (skipping.Code, skipping.Output.Trim()).Should().Be((0, $"Imported 0 contacts; left 2 you already had: Ivanov; Petr {u}, Olga {u}."), skipping.Error);
        refusedRow.Code.Should().Be(ExitCodes.Usage, refusedRow.Output);
        refusedRow.Error.Should().Contain("line 4, whatsApp: Expected an E.164 phone number", "the refused contact's quoted name begins on line 4");
        (refusedColumn.Code, refusedColumn.Error).Should().Be((ExitCodes.Usage, $"{badColumn}: no column may be named 'phone'; the columns are name, telegram, whatsapp, viber.\n"));
        (refusedTwice.Code, refusedTwice.Error).Should().Be((ExitCodes.Usage, $"{twiceColumn} has the column viber twice.\n"));
        manyImported.Code.Should().Be(0, manyImported.Error);
        var lastImport = JsonDocument.Parse(manyImported.Output).RootElement;
        lastImport.GetProperty("added").GetArrayLength().Should().Be(1001);
        // Read from the last import on: the list holds every import before it (on a busy machine it may lag).
        var after = lastImport.GetProperty("position").GetInt64().ToString(CultureInfo.InvariantCulture);
        var petr = await RunAsync("alice", "contacts", "list", "--search", $"Petr {u}", "--json", "--min-position", after);
        var olga = await RunAsync("alice", "contacts", "list", "--search", $"Olga {u}", "--json", "--min-position", after);
        JsonDocument.Parse(petr.Output).RootElement.GetProperty("items")[0].GetProperty("telegram").GetString().Should().Be("@petr_iv");
        JsonDocument.Parse(olga.Output).RootElement.GetProperty("items")[0].GetProperty("whatsApp").GetString().Should().Be("+4915112345678");
        (await RunAsync("alice", "contacts", "list", "--search", $"Fine {u}", "--json", "--min-position", after)).Output.Should().NotContain("Fine", "a refused import adds none of its contacts");
    }

    [Fact]
    public async Task A_user_forgets_a_contact_by_name_and_it_reads_as_erased_once()
    {
        var name = $"Forget {Guid.NewGuid():N}"[..14];
        var added = await RunAsync("alice", "contacts", "add", "--name", name, "--viber", "forget-v", "--json");
        added.Code.Should().Be(0, added.Error);
        var id = JsonDocument.Parse(added.Output).RootElement.GetProperty("id").GetString();
        await Eventually.HoldsAsync(async () => (await RunAsync("alice", "contacts", "list", "--search", name, "--json")).Output.Contains(name, StringComparison.Ordinal), "the list to show the contact");

        var forgotten = await RunAsync("alice", "contacts", "forget", name, "--reason", "asked to be forgotten", "--json");
        var again = await RunAsync("alice", "contacts", "forget", id!, "--reason", "again");
        var refused = await RunAsync("alice", "contacts", "forget", id!);
        var sendRefused = await RunAsync("alice", "send", "--to", id!, "--text", "Are you there?");
        var changeRefused = await RunAsync("alice", "contacts", "update", id!, "--name", "Back again");

        forgotten.Code.Should().Be(0, forgotten.Error);
        var position = JsonDocument.Parse(forgotten.Output).RootElement.GetProperty("position").GetInt64();
        var listed = await RunAsync("alice", "contacts", "list", "--min-position", $"{position}", "--search", "[erased]", "--json");
        JsonDocument.Parse(listed.Output).RootElement.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id)
            .GetProperty("name").GetString().Should().Be("[erased]");
        (again.Code, again.Output.Contains("forgotten already", StringComparison.Ordinal)).Should().Be((0, true));
        refused.Code.Should().Be(ExitCodes.Usage, "--reason is required");
        // Nothing goes to a forgotten contact, and it takes no new data: it would come back under its old id.
        sendRefused.Code.Should().Be(ExitCodes.Usage, sendRefused.Error);
        sendRefused.Error.Should().Contain("forgotten contacts: " + id);
        changeRefused.Code.Should().Be(ExitCodes.Usage, changeRefused.Error);
        changeRefused.Error.Should().Contain("was forgotten");
    }

    [Fact]
    public async Task A_message_sent_to_contacts_by_name_or_id_not_before_a_time_is_listed_as_scheduled()
    {
        var (first, second) = ($"Boris {Guid.NewGuid():N}"[..14], $"Vera {Guid.NewGuid():N}"[..13]);
        (await RunAsync("alice", "contacts", "add", "--name", first, "--viber", "boris")).Code.Should().Be(0);
        var added = await RunAsync("alice", "contacts", "add", "--name", second, "--telegram", "@vera_s", "--json");
        added.Code.Should().Be(0, added.Error);
        // At +03:00, as a user in Moscow types it: read models store the moment.
        var at = DateTimeOffset.UtcNow.AddDays(3).ToOffset(TimeSpan.FromHours(3)).ToString("O");

        // One by name, one by the id `contacts list` shows.
        var secondId = JsonDocument.Parse(added.Output).RootElement.GetProperty("id").GetString()!;
        var sent = await RunAsync("alice", "send", "--to", first, secondId, "--text", "Rehearsal moved to Friday", "--at", at, "--json");
        sent.Code.Should().Be(0, sent.Error);
        var accepted = JsonDocument.Parse(sent.Output).RootElement;
        var scheduled = await RunAsync("alice", "messages", "--status", "scheduled", "--min-position", $"{accepted.GetProperty("position").GetInt64()}");
        var older = await RunAsync("alice", "messages", "--before", accepted.GetProperty("id").GetString()!, "--json");
        var shown = await RunAsync("alice", "messages", "show", accepted.GetProperty("id").GetString()!);
        var unknown = await RunAsync("alice", "send", "--to", "Nobody at all", "--text", "Hello");

        sent.Code.Should().Be(0);
        scheduled.Output.Should().Contain(accepted.GetProperty("id").GetString()).And.Contain("Rehearsal moved to Friday").And.Contain("scheduled").And.Contain("0/2", "neither delivery is due yet");
        scheduled.Output.Should().Contain("0/2 delivered, 2 pending");
        shown.Code.Should().Be(0, shown.Error);
        shown.Output.Should().Contain("Rehearsal moved to Friday").And.Contain("0/2 delivered, 2 pending");
        shown.Output.Split('\n').Should().Contain(l => l.Contains(first) && l.Contains("viber") && l.Contains("boris") && l.Contains("scheduled"))
            .And.Contain(l => l.Contains(second) && l.Contains("telegram") && l.Contains("@vera_s") && l.Contains("scheduled"));
        older.Output.Should().NotContain(accepted.GetProperty("id").GetString(), "--before lists only older messages");
        unknown.Code.Should().BeOneOf(ExitCodes.Usage, ExitCodes.NotFound);
        unknown.Error.Should().Contain("Nobody at all", "the server's problem detail is printed");

        // Changed plans: the time moves and the text changes while it waits.
        var later = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(4).AddHours(15), TimeSpan.Zero).ToOffset(TimeSpan.FromHours(3));
        var edited = await RunAsync("alice", "messages", "edit", accepted.GetProperty("id").GetString()!, "--text", "Rehearsal moved to Saturday", "--at", later.ToString("O"), "--json");
        edited.Code.Should().Be(0, edited.Error);
        var shownEdited = await RunAsync("alice", "messages", "show", accepted.GetProperty("id").GetString()!, "--min-position", $"{JsonDocument.Parse(edited.Output).RootElement.GetProperty("position").GetInt64()}", "--json");
        var editedMessage = JsonDocument.Parse(shownEdited.Output).RootElement.GetProperty("message");
        (editedMessage.GetProperty("text").GetString(), editedMessage.GetProperty("notBefore").GetDateTimeOffset()).Should().Be(("Rehearsal moved to Saturday", later));
        (await RunAsync("alice", "messages", "edit", accepted.GetProperty("id").GetString()!)).Code.Should().Be(ExitCodes.Usage, "nothing to change");
        // A misspelled placeholder is refused, and goes as written once the user says so.
        var misspelled = await RunAsync("alice", "messages", "edit", accepted.GetProperty("id").GetString()!, "--text", "Rehearsal for {nmae}");
        var asWritten = await RunAsync("alice", "messages", "edit", accepted.GetProperty("id").GetString()!, "--text", "Rehearsal for {nmae}", "--as-written");
        (misspelled.Code, misspelled.Error.Contains("{nmae} stands for nothing", StringComparison.Ordinal)).Should().Be((ExitCodes.Usage, true), misspelled.Error);
        asWritten.Code.Should().Be(0, asWritten.Error);
        var sentMisspelled = await RunAsync("alice", "send", "--to", second, "--text", "Hi {nmae}", "--at", at);
        var sentAsWritten = await RunAsync("alice", "send", "--to", second, "--text", "Hi {nmae}", "--at", at, "--as-written");
        (sentMisspelled.Code, sentAsWritten.Code).Should().Be((ExitCodes.Usage, 0), sentMisspelled.Error + sentAsWritten.Error);

        // Changed plans: a third contact is added, the first taken off.
        var third = $"Gleb {Guid.NewGuid():N}"[..13];
        (await RunAsync("alice", "contacts", "add", "--name", third, "--whatsapp", "+4915100000031")).Code.Should().Be(0);
        var addedTo = await RunAsync("alice", "messages", "add-recipients", accepted.GetProperty("id").GetString()!, "--to", third);
        var takenOff = await RunAsync("alice", "messages", "remove-recipients", accepted.GetProperty("id").GetString()!, first, "--json");
        (addedTo.Code, takenOff.Code).Should().Be((0, 0), addedTo.Error + takenOff.Error);
        var shownChanged = await RunAsync(
            "alice", "messages", "show", accepted.GetProperty("id").GetString()!, "--min-position", $"{JsonDocument.Parse(takenOff.Output).RootElement.GetProperty("position").GetInt64()}");
        shownChanged.Output.Should().Contain("0/3 delivered, 2 pending, 1 cancelled");
        shownChanged.Output.Split('\n').Should().Contain(l => l.Contains(third) && l.Contains("+4915100000031") && l.Contains("scheduled"))
            .And.Contain(l => l.Contains(first) && l.Contains("cancelled") && l.Contains("taken off"));
        (await RunAsync("alice", "messages", "add-recipients", accepted.GetProperty("id").GetString()!)).Code.Should().Be(ExitCodes.Usage, "nobody named");

        // Changed plans: cancelled before it is due, nothing of it goes out.
        var cancelled = await RunAsync("alice", "messages", "cancel", accepted.GetProperty("id").GetString()!, "--json");
        cancelled.Code.Should().Be(0, cancelled.Error);
        var after = JsonDocument.Parse(cancelled.Output).RootElement.GetProperty("position").GetInt64();
        var shownCancelled = await RunAsync("alice", "messages", "show", accepted.GetProperty("id").GetString()!, "--min-position", $"{after}");
        shownCancelled.Output.Should().StartWith("cancelled").And.Contain("0/3 delivered, 3 cancelled");
        (await RunAsync("alice", "messages", "cancel", Guid.NewGuid().ToString())).Code.Should().Be(ExitCodes.NotFound);
    }

    [Fact]
    public async Task A_user_groups_contacts_by_name_sends_to_the_group_and_changes_renames_and_deletes_it()
    {
        var u = Guid.NewGuid().ToString("N")[..6];
        var (anna, boris, vera, group) = ($"Anna {u}", $"Boris {u}", $"Vera {u}", $"Choir {u}");
        foreach (var (name, viber) in new[] { (anna, "anna-g"), (boris, "boris-g"), (vera, "vera-g") })
        {
            (await RunAsync("alice", "contacts", "add", "--name", name, "--viber", viber)).Code.Should().Be(0);
        }

        var created = await RunAsync("alice", "groups", "create", group, "--members", anna, boris);
        var listed = await RunAsync("alice", "groups");
        var sent = await RunAsync("alice", "send", "--group", group.ToUpperInvariant(), "--to", vera, "--text", "Rehearsal at six", "--json");
        sent.Code.Should().Be(0, sent.Error);
        var message = JsonDocument.Parse(sent.Output).RootElement;
        var shown = await RunAsync("alice", "messages", "show", message.GetProperty("id").GetString()!, "--min-position", $"{message.GetProperty("position").GetInt64()}");
        var sentList = await RunAsync("alice", "messages", "--min-position", $"{message.GetProperty("position").GetInt64()}");
        var notToGroup = JsonDocument.Parse((await RunAsync("alice", "send", "--to", vera, "--text", "Not to the choir", "--json")).Output).RootElement;
        var byGroup = await RunAsync("alice", "messages", "--group", group.ToLowerInvariant(), "--min-position", $"{notToGroup.GetProperty("position").GetInt64()}");
        var toVera = await RunAsync("alice", "messages", "--to", vera, "--json");
        var toAnna = await RunAsync("alice", "messages", "--to", anna, "--json");
        var added = await RunAsync("alice", "groups", "add-members", group, vera);
        var removed = await RunAsync("alice", "groups", "remove-members", group, anna);
        var members = await RunAsync("alice", "groups", "show", group);
        var (inGroup, outside) = (await RunAsync("alice", "contacts", "show", vera), await RunAsync("alice", "contacts", "show", anna));
        var renamed = await RunAsync("alice", "groups", "rename", group, $"Chamber choir {u}");
        var deleted = await RunAsync("alice", "groups", "delete", $"chamber CHOIR {u}");
        var gone = await RunAsync("alice", "groups", "show", group);
        var nobody = await RunAsync("alice", "send", "--text", "To whom?");

        (created.Code, created.Output.Trim()).Should().Match<(int Code, string Output)>(r => r.Code == 0 && r.Output.StartsWith($"Made group {group}") && r.Output.EndsWith("of 2 contacts."));
        listed.Output.Split('\n').Should().Contain(l => l.Contains(group) && l.Contains(" 2 "));
        shown.Output.Should().Contain($"Sent to the groups: {group}.");
        sentList.Output.Split('\n').Should().ContainSingle(l => l.Contains(message.GetProperty("id").GetString()!)).Which.Should().Contain(group);
        byGroup.Output.Should().Contain(message.GetProperty("id").GetString()!).And.NotContain(notToGroup.GetProperty("id").GetString()!, "only messages sent to the group");
        JsonDocument.Parse(toVera.Output).RootElement.EnumerateArray().Select(m => m.GetProperty("id").GetString())
            .Should().Equal(notToGroup.GetProperty("id").GetString(), message.GetProperty("id").GetString());
        JsonDocument.Parse(toAnna.Output).RootElement.EnumerateArray().Select(m => m.GetProperty("id").GetString()).Should().Equal(message.GetProperty("id").GetString());
        shown.Output.Split('\n').Where(l => l.Contains("viber")).Select(l => l.Trim().Split(' ')[0..2]).Select(w => string.Join(' ', w))
            .Should().BeEquivalentTo([anna, boris, vera], "the message goes to the group's members and the contact named");
        (added.Code, added.Output.Trim(), removed.Output.Trim()).Should().Be((0, $"{group} has 3 contacts.", $"{group} has 2 contacts."));
        members.Output.Should().Contain(boris).And.Contain(vera).And.NotContain(anna);
        inGroup.Output.Trim().Should().StartWith($"{vera} (").And.Contain("): Viber vera-g.").And.EndWith($"Groups: {group}.");
        outside.Output.Trim().Should().EndWith("In no group.");
        (renamed.Code, deleted.Code).Should().Be((0, 0), renamed.Error + deleted.Error);
        (gone.Code, gone.Error.Trim()).Should().Be((ExitCodes.NotFound, $"You have no group named '{group}'."));
        (nobody.Code, nobody.Error).Should().Match<(int Code, string Error)>(r => r.Code == ExitCodes.Usage && r.Error.Contains("--group"));
    }

    [Fact]
    public async Task What_waits_to_go_out_follows_a_changed_or_removed_contact_and_shows_why_it_was_cancelled()
    {
        var (moving, leaving) = ($"Moving {Guid.NewGuid():N}"[..14], $"Leaving {Guid.NewGuid():N}"[..15]);
        (await RunAsync("alice", "contacts", "add", "--name", moving, "--telegram", "@moving_old")).Code.Should().Be(0);
        (await RunAsync("alice", "contacts", "add", "--name", leaving, "--viber", "leaving-viber")).Code.Should().Be(0);
        var sent = await RunAsync("alice", "send", "--to", moving, leaving, "--text", "See you on Friday", "--at", DateTimeOffset.UtcNow.AddDays(1).ToString("O"), "--json");
        var id = JsonDocument.Parse(sent.Output).RootElement.GetProperty("id").GetString()!;

        (await RunAsync("alice", "contacts", "update", moving, "--telegram", "@moving_new")).Code.Should().Be(0);
        (await RunAsync("alice", "contacts", "remove", leaving)).Code.Should().Be(0);

        string[] lines = [];
        await Eventually.HoldsAsync(async () =>
        {
            lines = (await RunAsync("alice", "messages", "show", id)).Output.Split('\n');
            return lines.Any(l => l.Contains(moving) && l.Contains("@moving_new") && l.Contains("scheduled"))
                && lines.Any(l => l.Contains(leaving) && l.Contains("cancelled") && l.Contains("the contact was removed"));
        }, "the message to show the new id and the removal");
        lines.Should().Contain(l => l.Contains("Cancelled because"));
    }

    [Fact]
    public async Task A_failed_delivery_is_listed_and_redelivered_and_leaves_the_list()
    {
        var (messageId, deliveryId, position) = await FailedDeliveryAsync("Doors open at 19:00");

        var failed = await RunAsync("alice", "failed", "list", "--min-position", $"{position}");
        var alone = await RunAsync("alice", "failed");
        var neither = await RunAsync("alice", "failed", "redeliver");
        var redelivered = await RunAsync("alice", "failed", "redeliver", "--delivery", $"{deliveryId}", "--json");
        var result = JsonDocument.Parse(redelivered.Output).RootElement;
        var after = await RunAsync("alice", "failed", "list", "--min-position", $"{result.GetProperty("position").GetInt64()}", "--json");

        failed.Output.Should().Contain($"{deliveryId}").And.Contain("Doors open at 19:00").And.Contain("400 Bad Request");
        (alone.Code, alone.Output).Should().Match<(int, string)>(a => a.Item1 == 0 && a.Item2.Contains($"{deliveryId}"), "`failed` alone lists them");
        alone.Output.Should().NotContain("more may follow", "a page that is not full is the whole queue");
        neither.Code.Should().Be(ExitCodes.Usage);
        result.GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().Equal(deliveryId);
        JsonDocument.Parse(after.Output).RootElement.EnumerateArray().Should().NotContain(d => d.GetProperty("messageId").GetGuid() == messageId);
    }

    [Fact]
    public async Task Redelivering_waits_for_its_answer_longer_than_other_commands_since_it_may_act_on_a_whole_queue()
    {
        var (_, deliveryId, position) = await FailedDeliveryAsync("Worth the wait");
        (await RunAsync("alice", "failed", "list", "--min-position", $"{position}")).Output.Should().Contain($"{deliveryId}");
        var impatient = new Dictionary<string, string>
        {
            ["EVENTSOURCED_URL"] = site.Api.BaseAddress.ToString(), ["EVENTSOURCED_API_KEY"] = ApiProcess.KeyOf("alice"), ["EVENTSOURCED_TIMEOUT"] = "0.5",
        };

        // The API made slow for as long as the test holds the failed queue's table from it. The
        // redelivery starts its wait first, so the list's wait ends after the redelivery's usual
        // one would have: the redelivery still answering proves it waited longer.
        await using var connection = new NpgsqlConnection(site.Database.ConnectionString);
        await connection.OpenAsync();
        var holding = await connection.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE rm.messages_deliveries IN ACCESS EXCLUSIVE MODE", connection, holding))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var redelivering = CliAsync(["failed", "redeliver", "--delivery", $"{deliveryId}"], impatient);
        var listed = await CliAsync(["failed", "list"], impatient);
        await holding.RollbackAsync();
        var redelivered = await redelivering.WaitAsync(Wait.Patience);
        var mistyped = await CliAsync(["failed", "list"], new(impatient) { ["EVENTSOURCED_TIMEOUT"] = "soon" });
        var tooLong = await CliAsync(["failed", "list"], new(impatient) { ["EVENTSOURCED_TIMEOUT"] = "10000000" });

        listed.Code.Should().Be(ExitCodes.Unavailable, listed.Error);
        listed.Error.Should().Contain("no answer within 0.5 s");
        redelivered.Code.Should().Be(0, redelivered.Error);
        redelivered.Output.Should().Contain("1 done");
        mistyped.Code.Should().Be(ExitCodes.Usage, mistyped.Error);
        mistyped.Error.Should().Contain("EVENTSOURCED_TIMEOUT");
        tooLong.Code.Should().Be(ExitCodes.Usage, tooLong.Error);
    }

    [Fact]
    public async Task Failed_deliveries_are_listed_a_page_at_a_time_and_a_full_page_says_how_to_see_the_rest()
    {
        var (_, first, _) = await FailedDeliveryAsync("Page one");
        var (_, second, position) = await FailedDeliveryAsync("Page two");
        var all = JsonDocument.Parse((await RunAsync("alice", "failed", "list", "--min-position", $"{position}", "--json")).Output).RootElement
            .EnumerateArray().Select(d => d.GetProperty("deliveryId").GetGuid()).ToList();
        var (i, j) = (all.IndexOf(first), all.IndexOf(second));
        i.Should().BeLessThan(j, "the oldest failure is listed first");

        var page = await RunAsync("alice", "failed", "list", "--limit", "1", "--offset", $"{i}");
        var next = await RunAsync("alice", "failed", "list", "--limit", "1", "--offset", $"{j}");
        var whole = await RunAsync("alice", "failed", "list", "--limit", $"{all.Count}");

        page.Output.Should().Contain($"{first}").And.NotContain($"{second}").And.Contain($"1 shown; more may follow: failed list --after {first} --after-failed-at ");
        next.Output.Should().Contain($"{second}").And.NotContain($"{first}");
        var followed = await RunAsync("alice", ["failed", "list", "--limit", "1", .. page.Output[page.Output.IndexOf("--after ", StringComparison.Ordinal)..].Split(' ', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)]);
        followed.Output.Should().Contain($"{all[i + 1]}", "the page the full one names comes after it").And.NotContain($"{first}");
        (await RunAsync("alice", "failed", "list", "--after", $"{first}")).Code.Should().Be(ExitCodes.Usage);
        whole.Output.Should().Contain($"{all.Count} shown; more may follow", "a page as long as the queue cannot know it is the last");
    }

    [Fact]
    public async Task Contacts_and_messages_that_fill_a_page_say_how_to_see_the_next_and_the_last_page_does_not()
    {
        var token = $"{Guid.NewGuid():N}"[..8];
        var (first, second) = ($"Page {token} A", $"Page {token} B");
        (await RunAsync("alice", "contacts", "add", "--name", first, "--viber", "page-a")).Code.Should().Be(0);
        var sent = new List<JsonElement>();
        foreach (var text in new[] { "First of two", "Second of two" })
        {
            var message = await RunAsync("alice", "send", "--to", first, "--text", text, "--json");
            message.Code.Should().Be(0, message.Error);
            sent.Add(JsonDocument.Parse(message.Output).RootElement);
        }

        var added = await RunAsync("alice", "contacts", "add", "--name", second, "--telegram", "@page_b", "--json");
        var position = JsonDocument.Parse(added.Output).RootElement.GetProperty("position").GetInt64();

        var contactsFirst = await RunAsync("alice", "contacts", "list", "--search", token, "--page-size", "1", "--min-position", $"{position}");
        var contactsLast = await RunAsync("alice", "contacts", "list", "--search", token, "--page-size", "1", "--page", "2");
        var contactsBeyond = await RunAsync("alice", "contacts", "list", "--search", token, "--page-size", "1", "--page", "5");
        var messagesFirst = await RunAsync("alice", "messages", "--limit", "1", "--min-position", $"{position}");
        var messagesNext = await RunAsync("alice", "messages", "--limit", "1", "--before", sent[1].GetProperty("id").GetString()!);
        var messagesAll = await RunAsync("alice", "messages", "--limit", "1000");

        contactsFirst.Output.Should().Contain(first).And.NotContain(second)
            .And.Contain($"Page 1 of 2 (2 contacts); next: contacts list --page 2 --page-size 1 --search \"{token}\"");
        contactsLast.Output.Should().Contain(second).And.NotContain("next:", "the last page has no next");
        contactsBeyond.Output.Should().Contain("Page 5 is past the last: 2 pages (2 contacts)");
        messagesFirst.Output.Should().Contain("Second of two").And.NotContain("First of two")
            .And.Contain($"1 shown; more may follow: messages --before {sent[1].GetProperty("id").GetString()} --limit 1");
        messagesNext.Output.Should().Contain("First of two").And.NotContain("Second of two");
        messagesAll.Output.Should().Contain("First of two").And.NotContain("more may follow", "a page that is not full holds the rest");
    }

    [Fact]
    public async Task Scripts_can_tell_failures_apart_by_exit_code_and_read_the_servers_problem()
    {
        var denied = await RunAsync("nobody", "contacts", "list");
        var unreachable = await CliAsync(["contacts", "list"], new() { ["EVENTSOURCED_URL"] = "http://127.0.0.1:9", ["EVENTSOURCED_API_KEY"] = "x" });
        var invalid = await RunAsync("alice", "contacts", "add", "--name", "");
        var usage = await RunAsync("alice", "send", "--to", "Someone");

        (denied.Code, unreachable.Code, invalid.Code, usage.Code).Should().Be((ExitCodes.Denied, ExitCodes.Unavailable, ExitCodes.Usage, ExitCodes.Usage));
        denied.Error.Should().StartWith("401");
        invalid.Error.Should().Contain("name", "the refused field is named");
    }

    [Fact]
    public async Task An_empty_list_says_none_rather_than_drawing_bare_headers()
    {
        var none = await RunAsync("alice", "contacts", "list", "--search", $"nobody-{Guid.NewGuid():N}");

        (none.Code, none.Output.Trim()).Should().Be((0, "None."));
    }

    [Fact]
    public async Task An_options_value_of_the_wrong_kind_is_told_in_the_users_words()
    {
        var at = await RunAsync("alice", "send", "--to", "Anna", "--text", "hi", "--at", "tomorrow");
        var page = await RunAsync("alice", "contacts", "list", "--page", "two");
        var delivery = await RunAsync("alice", "failed", "redeliver", "--delivery", "nope");

        (at.Code, page.Code, delivery.Code).Should().Be((ExitCodes.Usage, ExitCodes.Usage, ExitCodes.Usage));
        at.Error.Should().StartWith("--at takes a moment in ISO 8601, such as 2026-12-24T18:00:00+03:00; 'tomorrow' is not one.");
        page.Error.Should().StartWith("--page takes a whole number; 'two' is not one.");
        delivery.Error.Should().StartWith("--delivery takes an id (a UUID); 'nope' is not one.");
    }

    [Fact]
    public async Task The_url_and_key_come_from_a_config_file_when_neither_flags_nor_environment_give_them()
    {
        var config = Path.Combine(Path.GetTempPath(), $"eventsourced-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { url = site.Api.BaseAddress.ToString(), apiKey = ApiProcess.KeyOf("alice") }));
        try
        {
            var fromFile = await CliAsync(["contacts", "list", "--config", config], []);
            var flagWins = await CliAsync(["contacts", "list", "--config", config, "--key", "wrong"], []);

            (fromFile.Code, flagWins.Code).Should().Be((0, ExitCodes.Denied));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task The_built_command_line_exits_with_the_code_a_script_checks()
    {
        var start = new ProcessStartInfo("dotnet", ["EventSourced.Cli.dll", "contacts", "list"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["EVENTSOURCED_URL"] = site.Api.BaseAddress.ToString();
        start.Environment["EVENTSOURCED_API_KEY"] = "wrong-key";
        using var process = ChildProcesses.Start(start);
        try
        {
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(Wait.Patience);

            (process.ExitCode, (await error).Trim()).Should().Match<(int Code, string Error)>(r => r.Code == ExitCodes.Denied && r.Error.StartsWith("401", StringComparison.Ordinal));
        }
        finally
        {
            await ChildProcesses.EndAsync(process);
        }
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(string[] args, Dictionary<string, string> environment)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, name => environment.GetValueOrDefault(name));
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The command line run as <paramref name="user"/> would, with the URL and key in the environment.</summary>
    private Task<(int Code, string Output, string Error)> RunAsync(string user, params string[] args) =>
        CliAsync(args, new() { ["EVENTSOURCED_URL"] = site.Api.BaseAddress.ToString(), ["EVENTSOURCED_API_KEY"] = ApiProcess.KeyOf(user) });

    /// <summary>A message of alice's whose one delivery gave up, appended as the delivery saga appends it.</summary>
    private async Task<(Guid MessageId, Guid DeliveryId, long Position)> FailedDeliveryAsync(string text)
    {
        var name = $"Failing {Guid.NewGuid():N}"[..16];
        await RunAsync("alice", "contacts", "add", "--name", name, "--viber", "failing");
        var sent = await RunAsync("alice", "send", "--to", name, "--text", text, "--json");
        var messageId = JsonDocument.Parse(sent.Output).RootElement.GetProperty("id").GetGuid();
        var (deliveryId, position) = await DeliveryFailures.FailFirstAsync(site.Database.ConnectionString, messageId);
        return (messageId, deliveryId, position);
    }
}
