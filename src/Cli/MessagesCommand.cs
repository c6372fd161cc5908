using System.CommandLine;

namespace EventSourced.Cli;

/// <summary>`messages [--status scheduled|cancelled] [--before ID]`: your messages, newest first, with how many of their deliveries went out or failed.</summary>
public static class MessagesCommand
{
    public static Command Create(CliApp.Runner run)
    {
        var status = new Option<string?>("--status") { Description = "Only messages with this status (scheduled, cancelled)" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 50 };
        var before = new Option<Guid?>("--before") { Description = "Older than this message (the last one listed): the next page" };
        var minPosition = ContactsCommand.MinPosition();
        var messages = new Command("messages", "Your messages, newest first") { status, limit, before, minPosition };
        messages.SetAction(run.Action(async (parse, api, output, ct) =>
        {
            var filter = (parse.GetValue(status) is { } s ? $"&status={Uri.EscapeDataString(s)}" : "") + (parse.GetValue(before) is { } id ? $"&beforeId={id}" : "");
            var answer = await api.GetAsync($"/api/messages?limit={parse.GetValue(limit)}{filter}{ContactsCommand.At(parse, minPosition)}", ct);
            output.Table(answer, answer.EnumerateArray(),
                ("Id", m => m.Str("id")), ("Status", m => m.Str("status")), ("Not before", m => m.Str("notBefore")), ("Delivered", m => $"{Progress(m).Str("delivered")}/{Progress(m).Str("total")}"),
                ("Failed", m => Progress(m).Str("failed")),
                ("Text", m => m.Str("text")));
        }));
        return messages;
    }

    private static System.Text.Json.JsonElement Progress(System.Text.Json.JsonElement message) => message.GetProperty("progress");
}
