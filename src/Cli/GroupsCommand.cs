using System.CommandLine;
using System.Text.Json;

namespace EventSourced.Cli;

/// <summary>`groups create|list|show|rename|add-members|remove-members|delete`: groups of your contacts, to send to at once.</summary>
public static class GroupsCommand
{
    private static readonly (string Header, Func<JsonElement, string?> Cell)[] Columns =
        [("Name", g => g.Str("name")), ("Members", g => g.Str("members")), ("Id", g => g.Str("id"))];

    public static Command Create(CliApp.Runner run)
    {
        var groups = new Command("groups", "Groups of your contacts, to send a message to all of a group at once (send --group); alone, the list")
        {
            CreateGroup(run), List(run), Show(run), Rename(run), Members(run, "add-members", "Add contacts to a group", "members"),
            Members(run, "remove-members", "Take contacts out of a group; they stay among your contacts", "members/remove"), Delete(run),
        };
        groups.SetAction(run.Action((_, api, output, ct) => ListAsync(api, output, ct)));
        return groups;
    }

    private static Command CreateGroup(CliApp.Runner run)
    {
        var name = new Argument<string>("name") { Description = "The group's name, unique among yours" };
        var members = new Option<string[]>("--members") { Description = "Contacts' names or ids (repeat, or list several)", AllowMultipleArgumentsPerToken = true };
        var create = new Command("create", "Make a group, with its first members if given") { name, members };
        create.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var (ids, names) = IdsOrNames.Split(parse.GetValue(members) ?? []);
            var created = await api.PostAsync("/api/groups", new { name = parse.GetValue(name), contactIds = ids, contactNames = names }, ct);
            output.Done(created, $"Made group {created.Str("name")} ({created.Str("id")}) of {created.Str("members")} contacts.");
        }));
        return create;
    }

    private static Command List(CliApp.Runner run)
    {
        var list = new Command("list", "Your groups by name, with how many contacts each has");
        list.SetAction(run.Action((_, api, output, ct) => ListAsync(api, output, ct)));
        return list;
    }

    private static async Task ListAsync(ApiClient api, Output output, CancellationToken ct)
    {
        var answer = await api.GetAsync("/api/groups", ct);
        output.Table(answer, answer.EnumerateArray(), Columns);
    }

    private static Command Show(CliApp.Runner run)
    {
        var group = GroupArgument();
        var show = new Command("show", "A group's members") { group };
        show.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var answer = await api.GetAsync($"/api/groups/{await ResolveAsync(api, parse.GetValue(group)!, ct)}", ct);
            output.Line($"{answer.Str("name")}: {answer.GetProperty("members").GetArrayLength()} contacts.");
            output.Table(answer, answer.GetProperty("members").EnumerateArray(), ("Name", m => m.Str("name")), ("Id", m => m.Str("id")));
        }));
        return show;
    }

    private static Command Rename(CliApp.Runner run)
    {
        var group = GroupArgument();
        var name = new Argument<string>("new-name") { Description = "Its new name" };
        var rename = new Command("rename", "Rename a group") { group, name };
        rename.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var id = await ResolveAsync(api, parse.GetValue(group)!, ct);
            output.Done(await api.PatchAsync($"/api/groups/{id}", new { name = parse.GetValue(name) }, ct), $"Renamed {parse.GetValue(group)} to {parse.GetValue(name)}.");
        }));
        return rename;
    }

    private static Command Members(CliApp.Runner run, string verb, string description, string path)
    {
        var group = GroupArgument();
        var contacts = new Argument<string[]>("contacts") { Description = "Contacts' names or ids", Arity = ArgumentArity.OneOrMore };
        var command = new Command(verb, description) { group, contacts };
        command.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var (ids, names) = IdsOrNames.Split(parse.GetValue(contacts)!);
            var changed = await api.PostAsync($"/api/groups/{await ResolveAsync(api, parse.GetValue(group)!, ct)}/{path}", new { contactIds = ids, contactNames = names }, ct);
            output.Done(changed, $"{changed.Str("name")} has {changed.Str("members")} contacts.");
        }));
        return command;
    }

    private static Command Delete(CliApp.Runner run)
    {
        var group = GroupArgument();
        var delete = new Command("delete", "Delete a group; its contacts stay among yours") { group };
        delete.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var id = await ResolveAsync(api, parse.GetValue(group)!, ct);
            output.Done(await api.DeleteAsync($"/api/groups/{id}", ct), $"Deleted group {parse.GetValue(group)}.");
        }));
        return delete;
    }

    private static Argument<string> GroupArgument() => new("group") { Description = "The group's name or id" };

    /// <summary>An id as it is; a name looked up among your groups, in any case.</summary>
    internal static async Task<string> ResolveAsync(ApiClient api, string group, CancellationToken ct)
    {
        if (Guid.TryParse(group, out var id))
        {
            return id.ToString();
        }

        var groups = await api.GetAsync("/api/groups", ct);
        return groups.EnumerateArray().Where(g => string.Equals(g.Str("name"), group.Trim(), StringComparison.OrdinalIgnoreCase)).Select(g => g.Str("id")).FirstOrDefault()
            ?? throw new CliException(ExitCodes.NotFound, $"You have no group named '{group}'.");
    }
}
