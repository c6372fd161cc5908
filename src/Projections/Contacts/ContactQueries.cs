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
        // An owner's contacts are found by the owner's index; the text is matched among those only.
        var rows = await dataSource.QueryAsync(
            """
            SELECT contact_id, name, telegram, whatsapp, viber, revision, count(*) OVER ()
            FROM rm.contacts
            WHERE owner_id = $1 AND ($4::text IS NULL OR name ILIKE $4 OR telegram ILIKE $4 OR whatsapp ILIKE $4 OR viber ILIKE $4)
            ORDER BY lower(name), contact_id
            LIMIT $2 OFFSET $3
            """,
            reader => (Row: new ContactRow(reader.GetGuid(0), reader.GetString(1), Nullable(reader, 2), Nullable(reader, 3), Nullable(reader, 4), reader.GetInt64(5)), Total: reader.GetInt64(6)),
            ct,
            ownerId,
            pageSize,
            (long)(page - 1) * pageSize,
            search is null ? null : $"%{LiteralPattern(search)}%");
        return new ContactPage(rows.Select(r => r.Row).ToList(), page, pageSize, rows.Count > 0 ? rows[0].Total : 0);
    }

    // LIKE's wildcards and its escape character, matched as themselves.
    private static string LiteralPattern(string text) => text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    private static string? Nullable(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
