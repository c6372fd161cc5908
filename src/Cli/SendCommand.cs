using System.CommandLine;

namespace EventSourced.Cli;

/// <summary>`send --to NAME|ID... --group NAME|ID... --text TEXT [--at TIME]`: one message to contacts and groups' members over every messenger each has.</summary>
public static class SendCommand
{
    public static Command Create(CliApp.Runner run)
    {
        var to = new Option<string[]>("--to") { Description = "A contact's name or id (repeat, or list several)", AllowMultipleArgumentsPerToken = true };
        var group = new Option<string[]>("--group") { Description = "A group's name or id: to each of its contacts (repeat, or list several)", AllowMultipleArgumentsPerToken = true };
        var text = new Option<string>("--text") { Description = "The message; {name} in it stands for each recipient's name", Required = true };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Not before this time (ISO 8601, e.g. 2026-12-24T18:00:00+03:00); now if left out" };
        var asWritten = AsWrittenOption();
        var send = new Command("send", "Send a message to one or more contacts or groups, now or not before a time") { to, group, text, at, asWritten };
        send.Validators.Add(result =>
        {
            if (result.GetResult(to) is null && result.GetResult(group) is null)
            {
                result.AddError("Name the recipients: --to contacts and/or --group groups.");
            }
        });
        send.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var (contacts, groups) = (parse.GetValue(to) ?? [], parse.GetValue(group) ?? []);
            var (contactIds, contactNames) = IdsOrNames.Split(contacts);
            var (groupIds, groupNames) = IdsOrNames.Split(groups);
            var accepted = await api.PostAsync("/api/messages", new { text = parse.GetValue(text), contactIds, contactNames, groupIds, groupNames, notBefore = parse.GetValue(at), asWritten = parse.GetValue(asWritten) }, ct);
            output.Done(accepted, $"Message {accepted.Str("id")} scheduled to {string.Join(", ", contacts.Concat(groups.Select(g => $"group {g}")))}.");
        }));
        return send;
    }

    /// <summary>Sending a misspelled placeholder ({nmae}) as it is takes saying so: the server refuses it otherwise.</summary>
    public static Option<bool> AsWrittenOption() =>
        new("--as-written") { Description = "Send a {word} other than {name} as it is, rather than have it refused as a misspelled placeholder" };
}
