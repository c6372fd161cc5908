using System.Text.Json;
using Spectre.Console;

namespace EventSourced.Cli;

/// <summary>Tables for people, the API's own JSON for scripts (--json).</summary>
public sealed class Output(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly IAnsiConsole _console = Create(writer);

    /// <summary>Rows of the answer as a table, or the answer itself with --json.</summary>
    public void Table(JsonElement answer, IEnumerable<JsonElement> rows, params (string Header, Func<JsonElement, string?> Cell)[] columns)
    {
        if (json)
        {
            Write(answer);
            return;
        }

        var listed = rows.ToList();
        if (listed.Count == 0)
        {
            // Headers over nothing read as a drawing error; say it.
            _console.WriteLine("None.");
            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        foreach (var (header, _) in columns)
        {
            table.AddColumn(header);
        }

        foreach (var row in listed)
        {
            table.AddRow(columns.Select(c => new Text(c.Cell(row) ?? "")).ToArray<Spectre.Console.Rendering.IRenderable>());
        }

        _console.Write(table);
    }

    /// <summary>A line for people only: with --json the answer that follows says it.</summary>
    public void Line(string text)
    {
        if (!json)
        {
            writer.WriteLine(text);
        }
    }

    /// <summary>A one-line summary for people, or the answer itself with --json.</summary>
    public void Done(JsonElement answer, string summary)
    {
        if (json)
        {
            Write(answer);
        }
        else
        {
            writer.WriteLine(summary);
        }
    }

    private static IAnsiConsole Create(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // A terminal's own width; into a pipe or file, rows stay whole for grep rather than wrap at 80.
        if (writer != Console.Out || Console.IsOutputRedirected)
        {
            console.Profile.Width = 400;
        }

        return console;
    }

    private void Write(JsonElement answer) => writer.WriteLine(JsonSerializer.Serialize(answer, Indented));
}

/// <summary>Reading the API's JSON without ceremony.</summary>
public static class Json
{
    public static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Null => null, _ => v.GetRawText() } : null;
}
