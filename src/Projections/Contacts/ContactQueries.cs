using EventSourced.Application;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Contacts;

public sealed record ContactRow(Guid Id, string Name, string? Telegram, string? WhatsApp, string? Viber, long Revision);

public sealed record ContactPage(IReadOnlyList<ContactRow> Items, int Page, int PageSize, long Total);

/// <summary>Reads the contacts read model (rm.contacts, the serving generation).</summary>
public sealed class ContactQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    /// <param name="search">Text the name or a messenger id contains, in any case; null lists them all.</param>
    public async Task<ContactPage> ListAsync(string ownerId, string? search, int page, int pageSize, CancellationToken ct)
    {
        var pattern = search is null ? null : $"%{LiteralPattern(search)}%";
        var rows = await dataSource.QueryAsync(
            $"""
            SELECT contact_id, name, telegram, whatsapp, viber, revision, count(*) OVER ()
            FROM rm.contacts
            WHERE {Matching}
            ORDER BY lower(name), contact_id
            LIMIT $3 OFFSET $4
            """,
            reader => (Row: new ContactRow(reader.GetGuid(0), reader.GetString(1), Nullable(reader, 2), Nullable(reader, 3), Nullable(reader, 4), reader.GetInt64(5)), Total: reader.GetInt64(6)),
            ct,
            ownerId,
            pattern,
            pageSize,
            (long)(page - 1) * pageSize);
        // Counted with the page's rows; a page past the last has none to count with.
        var total = rows.Count > 0 ? rows[0].Total
            : page == 1 ? 0
            : (await dataSource.QueryAsync($"SELECT count(*) FROM rm.contacts WHERE {Matching}", reader => reader.GetInt64(0), ct, ownerId, pattern))[0];
        return new ContactPage(rows.Select(r => r.Row).ToList(), page, pageSize, total);
    }

    // $1 the owner, $2 the text as a pattern (null matches all). An owner's contacts are found by
    // the owner's index; the text is matched among those only.
    private const string Matching = "owner_id = $1 AND ($2::text IS NULL OR name ILIKE $2 OR telegram ILIKE $2 OR whatsapp ILIKE $2 OR viber ILIKE $2)";

    // LIKE's wildcards and its escape character, matched as themselves.
    private static string LiteralPattern(string text) => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    private static string? Nullable(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
