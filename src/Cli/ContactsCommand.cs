using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventSourced.Cli;

/// <summary>`contacts add|import|export|list|show|update|remove|forget`: your contacts and their messenger ids.</summary>
public static class ContactsCommand
{
    private static readonly (string Header, Func<JsonElement, string?> Cell)[] Columns =
        [("Name", c => c.Str("name")), ("Telegram", c => c.Str("telegram")), ("WhatsApp", c => c.Str("whatsApp")), ("Viber", c => c.Str("viber")), ("Id", c => c.Str("id"))];

    private const int DefaultPageSize = 50;

    // The most the API takes in one import.
    private const int ImportBatch = 1000;

    public static Command Create(CliApp.Runner run)
    {
        var contacts = new Command("contacts", "Your contacts: add, import, export, list, show, update, remove, forget; alone, the first page of the list") { Add(run), Import(run), Export(run), List(run), Show(run), Update(run), Remove(run), Forget(run) };
        contacts.SetAction(run.Action((_, api, output, ct) => ListAsync(api, output, 1, DefaultPageSize, null, "", ct)));
        return contacts;
    }

    private static Command Add(CliApp.Runner run)
    {
        var name = new Option<string>("--name") { Description = "The contact's name, unique among yours", Required = true };
        var (telegram, whatsApp, viber) = Messengers("The contact's");
        var add = new Command("add", "Add a contact with one or more messenger ids") { name, telegram, whatsApp, viber };
        add.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var body = new { name = parse.GetValue(name), telegram = parse.GetValue(telegram), whatsApp = parse.GetValue(whatsApp), viber = parse.GetValue(viber) };
            var added = await api.PostAsync("/api/contacts", body, ct);
            output.Done(added, $"Added {body.name} ({added.Str("id")}).");
        }));
        return add;
    }

    private static Command Import(CliApp.Runner run)
    {
        var file = new Argument<string>("file") { Description = "A CSV file whose first line names its columns: name, telegram, whatsapp, viber" };
        var skipExisting = new Option<bool>("--skip-existing") { Description = "Leave contacts whose name you already have as they are, and add the rest" };
        var import = new Command("import", $"Add the contacts of a CSV file, {ImportBatch:N0} at a time: each of those all or none") { file, skipExisting };
        import.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var rows = ContactsFile.Read(parse.GetValue(file)!);
            var (added, skipped, position) = (new List<JsonElement>(), new List<string>(), (JsonElement?)null);
            foreach (var batch in rows.Chunk(ImportBatch))
            {
                var body = new { contacts = batch.Select(r => new { name = r.Name, telegram = r.Telegram, whatsApp = r.WhatsApp, viber = r.Viber }), skipExisting = parse.GetValue(skipExisting) };
                var answer = await ImportBatchAsync(api, batch, body, added.Count, ct);
                added.AddRange(answer.GetProperty("added").EnumerateArray());
                skipped.AddRange(answer.GetProperty("skipped").EnumerateArray().Select(n => n.GetString()!));
                position = answer.GetProperty("position");
            }

            // One answer for the whole file, as the API gives for a batch.
            var whole = JsonSerializer.SerializeToElement(new { added, skipped, position });
            output.Done(whole, $"Imported {added.Count} contacts" + (skipped.Count > 0 ? $"; left {skipped.Count} you already had: {string.Join(", ", skipped)}." : "."));
        }));
        return import;
    }

    /// <summary>One batch; what the server refuses in it is told by the file's line, and what was imported before it.</summary>
    private static async Task<JsonElement> ImportBatchAsync(ApiClient api, ContactRow[] batch, object body, int addedBefore, CancellationToken ct)
    {
        try
        {
            return await api.PostAsync("/api/contacts/import", body, ct);
        }
        catch (CliException e)
        {
            var told = Regex.Replace(e.Message, @"contacts\[(\d+)\]\.", m => $"line {batch[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)].Line}, ");
            throw new CliException(e.ExitCode, addedBefore == 0 ? told : $"{told}\nThe {addedBefore} contacts before line {batch[0].Line} were imported; import again with --skip-existing to add the rest.");
        }
    }

    private static Command Export(CliApp.Runner run)
    {
        var file = new Argument<string>("file") { Description = "The CSV file to write: name, telegram, whatsapp, viber, as import reads it" };
        var export = new Command("export", "Write all your contacts, as your book holds them now, to a CSV file that import reads back") { file };
        export.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var path = parse.GetValue(file)!;
            var headers = await api.DownloadAsync("/api/contacts/export", path, ct);
            var (written, leftOut) = (Count(headers, "Contacts-Exported"), Count(headers, "Contacts-Left-Out"));
            output.Done(
                JsonSerializer.SerializeToElement(new { file = path, written, leftOut }),
                $"Wrote {written} contacts to {path}" + (leftOut > 0 ? $"; left out {leftOut} forgotten or unreadable." : "."));
        }));
        return export;
    }

    private static int Count(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) && int.TryParse(values.FirstOrDefault(), out var count) ? count : 0;

    private static Command List(CliApp.Runner run)
    {
        var page = new Option<int>("--page") { Description = "Which page", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Contacts a page", DefaultValueFactory = _ => DefaultPageSize };
        var search = new Option<string?>("--search") { Description = "Only contacts whose name or a messenger id contains this text, in any case" };
        var minPosition = MinPosition();
        var list = new Command("list", "Your contacts by name, a page at a time") { page, pageSize, search, minPosition };
        list.SetAction(run.Action((parse, api, output, ct) =>
            ListAsync(api, output, parse.GetValue(page), parse.GetValue(pageSize), parse.GetValue(search), At(parse, minPosition), ct)));
        return list;
    }

    private static async Task ListAsync(ApiClient api, Output output, int page, int pageSize, string? search, string at, CancellationToken ct)
    {
        var searched = search is not null ? $"&search={Uri.EscapeDataString(search)}" : "";
        var answer = await api.GetAsync($"/api/contacts?page={page}&pageSize={pageSize}{searched}{at}", ct);
        output.Table(answer, answer.GetProperty("items").EnumerateArray(), Columns);
        // A page that is not the last says so, and how to see the next, rather than pass for the whole book.
        var total = answer.GetProperty("total").GetInt64();
        if (total > (long)page * pageSize)
        {
            var options = (pageSize != DefaultPageSize ? $" --page-size {pageSize}" : "") + (search is not null ? $" --search \"{search}\"" : "");
            output.Line($"Page {page} of {Pages(total, pageSize)} ({total} contacts); next: contacts list --page {page + 1}{options}");
        }
        else if (total > 0 && total <= (long)(page - 1) * pageSize)
        {
            output.Line($"Page {page} is past the last: {Pages(total, pageSize)} pages ({total} contacts)");
        }
    }

    private static long Pages(long total, int pageSize) => (total + pageSize - 1) / pageSize;

    private static Command Show(CliApp.Runner run)
    {
        var contact = ContactArgument();
        var show = new Command("show", "A contact: its messenger ids and the groups it is in") { contact };
        show.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var answer = await api.GetAsync($"/api/contacts/{await ResolveAsync(api, parse.GetValue(contact)!, ct)}", ct);
            var ids = new[] { ("Telegram", "telegram"), ("WhatsApp", "whatsApp"), ("Viber", "viber") }
                .Where(m => answer.Str(m.Item2) is not null).Select(m => $"{m.Item1} {answer.Str(m.Item2)}");
            var groups = MessagesCommand.GroupNames(answer);
            output.Done(answer, $"{answer.Str("name")} ({answer.Str("id")}): {string.Join(", ", ids)}.{Environment.NewLine}"
                + (groups.Count == 0 ? "In no group." : $"Groups: {string.Join(", ", groups)}."));
        }));
        return show;
    }

    private static Command Update(CliApp.Runner run)
    {
        var contact = ContactArgument();
        var name = new Option<string?>("--name") { Description = "A new name" };
        var (telegram, whatsApp, viber) = Messengers("A new");
        var update = new Command("update", "Change a contact's name or messenger ids; an empty id (\"\") removes it. Messages still to go out to it follow the change") { contact, name, telegram, whatsApp, viber };
        update.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            // Only what is given changes: an option left out is left out of the request.
            var changes = new Dictionary<string, string?>();
            foreach (var (field, option) in new[] { ("name", name), ("telegram", telegram), ("whatsApp", whatsApp), ("viber", viber) })
            {
                if (parse.GetResult(option) is not null)
                {
                    changes[field] = parse.GetValue(option) is { Length: > 0 } value ? value : null;
                }
            }

            if (changes.Count == 0)
            {
                throw new CliException(ExitCodes.Usage, "Nothing to change: give --name, --telegram, --whatsapp or --viber.");
            }

            var id = await ResolveAsync(api, parse.GetValue(contact)!, ct);
            output.Done(await api.PatchAsync($"/api/contacts/{id}", changes, ct), $"Updated {parse.GetValue(contact)}.");
        }));
        return update;
    }

    private static Command Remove(CliApp.Runner run)
    {
        var contact = ContactArgument();
        var remove = new Command("remove", "Remove a contact; messages still to go out to it are cancelled") { contact };
        remove.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var id = await ResolveAsync(api, parse.GetValue(contact)!, ct);
            output.Done(await api.DeleteAsync($"/api/contacts/{id}", ct), $"Removed {parse.GetValue(contact)}.");
        }));
        return remove;
    }

    private static Command Forget(CliApp.Runner run)
    {
        var contact = ContactArgument();
        var reason = new Option<string>("--reason") { Description = "Why: kept with the record of forgetting", Required = true };
        var forget = new Command("forget", "Erase a contact's name and messenger ids for good, and cancel what waits to be sent to it") { contact, reason };
        forget.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var id = await ResolveAsync(api, parse.GetValue(contact)!, ct);
            var forgotten = await api.PostAsync($"/api/contacts/{id}/forget", new { reason = parse.GetValue(reason) }, ct);
            output.Done(forgotten, forgotten.GetProperty("forgotten").GetBoolean()
                ? $"Forgot {parse.GetValue(contact)}; {forgotten.GetProperty("cancelledDeliveries").GetInt32()} waiting deliveries cancelled."
                : $"{parse.GetValue(contact)} was forgotten already.");
        }));
        return forget;
    }

    private static Argument<string> ContactArgument() => new("contact") { Description = "The contact's id, or its name" };

    private static (Option<string?> Telegram, Option<string?> WhatsApp, Option<string?> Viber) Messengers(string whose) => (
        new Option<string?>("--telegram") { Description = $"{whose} Telegram handle (@name) or chat id" },
        new Option<string?>("--whatsapp") { Description = $"{whose} WhatsApp phone number" },
        new Option<string?>("--viber") { Description = $"{whose} Viber id" });

    /// <summary>A position a command of yours answered with: lists wait until they show it (read your writes).</summary>
    internal static Option<long?> MinPosition() => new("--min-position") { Description = "Wait until the list includes the change that answered with this position" };

    internal static string At(ParseResult parse, Option<long?> minPosition) => parse.GetValue(minPosition) is { } position ? $"&minPosition={position}" : "";

    /// <summary>
    /// An id as it is; a name looked up in your contact book as it is now, so that a contact just
    /// added is found at once (the list shows it a moment later).
    /// </summary>
    internal static async Task<string> ResolveAsync(ApiClient api, string contact, CancellationToken ct)
    {
        if (Guid.TryParse(contact, out var id))
        {
            return id.ToString();
        }

        try
        {
            return (await api.GetAsync($"/api/contacts/by-name?name={Uri.EscapeDataString(contact)}", ct)).Str("id")!;
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            // A server older than this command has no look-up by name: search its list.
        }

        // The list searched for the name holds every contact of that name, among a few others.
        var matches = new List<string>();
        for (var page = 1; ; page++)
        {
            var answer = await api.GetAsync($"/api/contacts?search={Uri.EscapeDataString(contact.Trim())}&page={page}&pageSize=100", ct);
            var items = answer.GetProperty("items").EnumerateArray().ToList();
            matches.AddRange(items.Where(c => string.Equals(c.Str("name"), contact, StringComparison.OrdinalIgnoreCase)).Select(c => c.Str("id")!));
            if (items.Count < 100)
            {
                break;
            }
        }

        return matches switch
        {
            [var only] => only,
            [] => throw new CliException(ExitCodes.NotFound, $"You have no contact named '{contact}'."),
            _ => throw new CliException(ExitCodes.Usage, $"{matches.Count} contacts are named '{contact}'; give the id."),
        };
    }
}
