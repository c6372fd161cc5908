using CsvHelper;

namespace EventSourced.Cli;

/// <summary>One contact of a file, and the line of the file it begins on (for what the server refuses in it).</summary>
public sealed record ContactRow(int Line, string? Name, string? Telegram, string? WhatsApp, string? Viber);

/// <summary>
/// Contacts from a CSV file, as a spreadsheet or an address book exports them: a header row naming
/// the columns name, telegram, whatsapp and viber, in any order and case; commas or semicolons
/// between fields. A column of another name is refused rather than dropped, so a "phone" column
/// is not lost without a word.
/// </summary>
public static class ContactsFile
{
    private static readonly string[] Columns = ["name", "telegram", "whatsapp", "viber"];

    public static List<ContactRow> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.Usage, $"There is no file {path}.");
        }

        try
        {
            return ReadRows(path);
        }
        catch (CsvFormatException e)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is not a CSV file this can read: {e.Message}");
        }
    }

    private static List<ContactRow> ReadRows(string path)
    {
        // The separator is detected from the first lines; spreadsheets in many languages write ";".
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions { TrimWhitespace = true, TrackLineNumbers = true });
        var header = csv.Headers;
        if (header.Count == 0)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is empty: its first line should name the columns, such as name,telegram,whatsapp,viber.");
        }

        var index = header.Select((column, i) => (Column: column.Trim().ToLowerInvariant(), Index: i)).ToList();
        if (index.FirstOrDefault(c => !Columns.Contains(c.Column)) is { Column: not null } unknown)
        {
            throw new CliException(ExitCodes.Usage, $"{path}: no column may be named '{header[unknown.Index]}'; the columns are {string.Join(", ", Columns)}.");
        }

        if (index.GroupBy(c => c.Column).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new CliException(ExitCodes.Usage, $"{path} has the column {twice.Key} twice.");
        }

        if (!index.Exists(c => c.Column == "name"))
        {
            throw new CliException(ExitCodes.Usage, $"{path} has no name column; the columns are {string.Join(", ", Columns)}.");
        }

        var columns = index.ToDictionary(c => c.Column, c => c.Index);
        var rows = new List<ContactRow>();
        while (csv.Read())
        {
            // A short row's missing fields are none.
            string? Field(string column) => columns.TryGetValue(column, out var i) && i < csv.FieldCount ? csv.GetString(i) : null;
            rows.Add(new ContactRow((int)csv.LineNumber, Field("name"), Field("telegram"), Field("whatsapp"), Field("viber")));
        }

        return rows;
    }
}
