using System.CommandLine;
using System.Text.Json;

namespace EventSourced.Cli;

/// <summary>
/// `messages [--status S] [--group NAME|ID] [--to NAME|ID] [--before ID]`: your messages, newest
/// first, with where their deliveries stand; `messages show ID`: one message, delivery by
/// delivery; `messages edit ID [--text T] [--at TIME | --now]`: change one still waiting for its
/// time; `messages add-recipients ID [--to C...] [--group G...]` and `messages remove-recipients
/// ID C...`: change whom it goes to while it waits; `messages cancel ID`: what has not gone out
/// will not.
/// </summary>
public static class MessagesCommand
{
    private const int DefaultLimit = 50;

    public static Command Create(CliApp.Runner run)
    {
        var status = new Option<string?>("--status") { Description = "Only messages with this status: scheduled (its time is ahead), sending, done (every delivery ended), cancelled" };
        var group = new Option<string?>("--group") { Description = "Only messages sent to this group (its name or id)" };
        var to = new Option<string?>("--to") { Description = "Only messages sent to this contact (its name or id)" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => DefaultLimit };
        var before = new Option<Guid?>("--before") { Description = "Older than this message (the last one listed): the next page" };
        var minPosition = ContactsCommand.MinPosition();
        var messages = new Command("messages", "Your messages, newest first; show one with its deliveries, change one still waiting (its text, time or recipients), or cancel one") { status, group, to, limit, before, minPosition, Show(run), Edit(run), AddRecipients(run), RemoveRecipients(run), Cancel(run) };
        messages.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var filter = (parse.GetValue(status) is { } s ? $"&status={Uri.EscapeDataString(s)}" : "")
                + (parse.GetValue(group) is { } g ? $"&groupId={await GroupsCommand.ResolveAsync(api, g, ct)}" : "")
                + (parse.GetValue(to) is { } c ? $"&contactId={await ContactsCommand.ResolveAsync(api, c, ct)}" : "")
                + (parse.GetValue(before) is { } id ? $"&beforeId={id}" : "");
            var answer = await api.GetAsync($"/api/messages?limit={parse.GetValue(limit)}{filter}{ContactsCommand.At(parse, minPosition)}", ct);
            output.Table(answer, answer.EnumerateArray(),
                ("Id", m => m.Str("id")), ("Status", m => m.Str("status")), ("Not before", m => m.Str("notBefore")), ("Deliveries", Deliveries),
                ("Groups", m => string.Join(", ", GroupNames(m))), ("Text", m => m.Str("text")));
            // A full page may not be all of them: say how to see older ones rather than let it pass for every message.
            if (answer.GetArrayLength() is var shown && shown > 0 && shown == parse.GetValue(limit))
            {
                var options = (parse.GetValue(status) is { } only ? $" --status {only}" : "") + (parse.GetValue(group) is { } named ? $" --group \"{named}\"" : "")
                    + (parse.GetValue(to) is { } contact ? $" --to \"{contact}\"" : "")
                    + (shown != DefaultLimit ? $" --limit {shown}" : "");
                output.Line($"{shown} shown; more may follow: messages --before {answer[shown - 1].Str("id")}{options}");
            }
        }));
        return messages;
    }

    private static Command Show(CliApp.Runner run)
    {
        var id = new Argument<Guid>("id") { Description = "The message's id" };
        var minPosition = ContactsCommand.MinPosition();
        var show = new Command("show", "One message: its text, the groups it was sent to, and each delivery's contact, messenger, status, attempts, last error and why it was cancelled") { id, minPosition };
        show.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var at = ContactsCommand.At(parse, minPosition);
            var answer = await api.GetAsync($"/api/messages/{parse.GetValue(id)}{(at.Length > 0 ? "?" + at[1..] : "")}", ct);
            var message = answer.GetProperty("message");
            output.Line($"{message.Str("status")}, not before {message.Str("notBefore")}: {Deliveries(message)}. {message.Str("text")}");
            if (GroupNames(message) is { Count: > 0 } groups)
            {
                output.Line($"Sent to the groups: {string.Join(", ", groups)}.");
            }

            output.Table(answer, answer.GetProperty("deliveries").EnumerateArray(),
                ("Contact", d => d.Str("contactName")), ("Channel", d => d.Str("channel")), ("Address", d => d.Str("address")), ("Status", d => d.Str("status")),
                ("Attempts", d => d.Str("attempts")), ("Last error", d => d.Str("lastError")), ("Cancelled because", d => d.Str("cancelReason")));
        }));
        return show;
    }

    private static Command Edit(CliApp.Runner run)
    {
        var id = new Argument<Guid>("id") { Description = "The message's id" };
        var text = new Option<string?>("--text") { Description = "Its new text" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Its new time: not before this (ISO 8601, e.g. 2026-12-24T18:00:00+03:00)" };
        var now = new Option<bool>("--now") { Description = "Send it now rather than at its time" };
        var asWritten = SendCommand.AsWrittenOption();
        var edit = new Command("edit", "Change the text or time of a message still waiting for its time") { id, text, at, now, asWritten };
        edit.Validators.Add(result =>
        {
            if (result.GetResult(text) is null && result.GetResult(at) is null && result.GetResult(now) is null)
            {
                result.AddError("Nothing to change: give --text, --at or --now.");
            }
            else if (result.GetResult(at) is not null && result.GetResult(now) is not null)
            {
                result.AddError("Give --at or --now, not both.");
            }
        });
        edit.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            // Only what is given changes: an option left out is left out of the request; --now sends a null time.
            var changes = new Dictionary<string, object?>();
            if (parse.GetResult(text) is not null)
            {
                changes["text"] = parse.GetValue(text);
                changes["asWritten"] = parse.GetValue(asWritten);
            }

            if (parse.GetResult(at) is not null || parse.GetValue(now))
            {
                changes["notBefore"] = parse.GetValue(now) ? null : parse.GetValue(at);
            }

            output.Done(await api.PatchAsync($"/api/messages/{parse.GetValue(id)}", changes, ct), $"Changed {parse.GetValue(id)}.");
        }));
        return edit;
    }

    private static Command AddRecipients(CliApp.Runner run)
    {
        var id = new Argument<Guid>("id") { Description = "The message's id" };
        var to = new Option<string[]>("--to") { Description = "A contact's name or id (repeat, or list several)", AllowMultipleArgumentsPerToken = true };
        var group = new Option<string[]>("--group") { Description = "A group's name or id: each of its contacts (repeat, or list several)", AllowMultipleArgumentsPerToken = true };
        var add = new Command("add-recipients", "Send a message still waiting for its time to more contacts or groups as well") { id, to, group };
        add.Validators.Add(result =>
        {
            if (result.GetResult(to) is null && result.GetResult(group) is null)
            {
                result.AddError("Name whom to add: --to contacts and/or --group groups.");
            }
        });
        add.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var ((contactIds, contactNames), (groupIds, groupNames)) = (IdsOrNames.Split(parse.GetValue(to) ?? []), IdsOrNames.Split(parse.GetValue(group) ?? []));
            var answer = await api.PostAsync($"/api/messages/{parse.GetValue(id)}/recipients", new { contactIds, contactNames, groupIds, groupNames }, ct);
            output.Done(answer, $"Changed {parse.GetValue(id)}.");
        }));
        return add;
    }

    private static Command RemoveRecipients(CliApp.Runner run)
    {
        var id = new Argument<Guid>("id") { Description = "The message's id" };
        var contacts = new Argument<string[]>("contacts") { Description = "Contacts' names or ids", Arity = ArgumentArity.OneOrMore };
        var remove = new Command("remove-recipients", "Take contacts off a message still waiting for its time: it will not go to them") { id, contacts };
        remove.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var (contactIds, contactNames) = IdsOrNames.Split(parse.GetValue(contacts)!);
            var answer = await api.PostAsync($"/api/messages/{parse.GetValue(id)}/recipients/remove", new { contactIds, contactNames }, ct);
            output.Done(answer, $"Changed {parse.GetValue(id)}.");
        }));
        return remove;
    }

    private static Command Cancel(CliApp.Runner run)
    {
        var id = new Argument<Guid>("id") { Description = "The message's id" };
        var cancel = new Command("cancel", "Cancel a message: what has not gone out will not (a send in flight ends as it ends)") { id };
        cancel.SetAction(run.Action(async (parse, api, output, ct) =>
            output.Done(await api.PostAsync($"/api/messages/{parse.GetValue(id)}/cancel", new { }, ct), $"Cancelled {parse.GetValue(id)}.")));
        return cancel;
    }

    /// <summary>The groups a message was sent to, or a contact is in, by name (none from a server older than groups).</summary>
    internal static List<string?> GroupNames(JsonElement answer) =>
        answer.TryGetProperty("groups", out var groups) ? [.. groups.EnumerateArray().Select(g => g.Str("name"))] : [];

    /// <summary>
    /// "1/3 delivered, 1 pending, 1 cancelled": the counts that are not zero, so that they add up to
    /// the total. A server older than this command has fewer counts; those it lacks are left out.
    /// </summary>
    private static string Deliveries(JsonElement message)
    {
        var progress = message.GetProperty("progress");
        string[] others = ["pending", "failed", "cancelled", "discarded"];
        return string.Join(", ", [
            $"{progress.Str("delivered")}/{progress.Str("total")} delivered",
            .. others.Where(o => progress.TryGetProperty(o, out var count) && count.GetInt32() > 0).Select(o => $"{progress.Str(o)} {o}")]);
    }
}
