using System.CommandLine;

namespace EventSourced.Cli;

/// <summary>`send --to NAME|ID... --text TEXT [--at TIME]`: one message to contacts over every messenger each has.</summary>
public static class SendCommand
{
    public static Command Create(CliApp.Runner run)
    {
        var to = new Option<string[]>("--to") { Description = "A contact's name or id (repeat, or list several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var text = new Option<string>("--text") { Description = "The message", Required = true };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Not before this time (ISO 8601, e.g. 2026-12-24T18:00:00+03:00); now if left out" };
        var send = new Command("send", "Send a message to one or more contacts, now or not before a time") { to, text, at };
        send.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            // An id as `contacts list` shows it, as the other contact commands take it.
            var recipients = parse.GetValue(to)!;
            var ids = recipients.Where(r => Guid.TryParse(r, out _)).ToArray();
            var names = recipients.Except(ids).ToArray();
            var accepted = await api.PostAsync("/api/messages", new { text = parse.GetValue(text), contactIds = ids, contactNames = names, notBefore = parse.GetValue(at) }, ct);
            output.Done(accepted, $"Message {accepted.Str("id")} scheduled to {string.Join(", ", recipients)}.");
        }));
        return send;
    }
}
