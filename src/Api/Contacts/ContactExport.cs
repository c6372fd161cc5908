using CsvHelper;
using EventSourced.Api.Auth;
using EventSourced.Application.Commands;
using EventSourced.Domain.Contacts;

namespace EventSourced.Api.Contacts;

/// <summary>
/// Every contact of the caller's book as CSV that the import reads back. It is written from the
/// book as one version of its stream holds it, not from the list's pages: a contact added,
/// renamed or removed meanwhile can shift no other out of the file.
/// </summary>
public static class ContactExport
{
    /// <summary>How many contacts the file holds, and how many forgotten or unreadable were left out.</summary>
    public const string ExportedHeader = "Contacts-Exported";
    public const string LeftOutHeader = "Contacts-Left-Out";

    private static readonly string[] Columns = ["name", "telegram", "whatsapp", "viber"];

    public static async Task<IResult> ExportAsync(HttpContext http, CommandHandler handler, CancellationToken ct)
    {
        var (book, _) = await handler.LoadAsync(ContactBook.Decider, ContactBook.StreamId(http.Subject()), ct);
        var live = book.Contacts.Values.Where(c => !c.Removed).ToList();
        // A forgotten contact's name and ids read as withheld: written out, they would come back as
        // a contact named "[erased]".
        var kept = live.Where(c => !c.IsWithheld).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Id).ToList();
        http.Response.Headers[ExportedHeader] = $"{kept.Count}";
        http.Response.Headers[LeftOutHeader] = $"{live.Count - kept.Count}";
        return TypedResults.Stream(
            async body =>
            {
                // Kestrel takes no synchronous writes: every record goes through the async calls.
                await using var csv = CsvWriter.Create(body, options: null, leaveOpen: true);
                await csv.WriteRecordAsync(Columns, ct);
                foreach (var c in kept)
                {
                    await csv.WriteRecordAsync([c.Name, c.Messengers.Telegram, c.Messengers.WhatsApp, c.Messengers.Viber], ct);
                }

                await csv.FlushAsync(ct);
            },
            "text/csv; charset=utf-8",
            "contacts.csv");
    }
}
