using EventSourced.Application;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Contacts;

public sealed record ContactRow(Guid Id, string Name, string? Telegram, string? WhatsApp, string? Viber, long Revision);

public sealed record ContactPage(IReadOnlyList<ContactRow> Items, int Page, int PageSize, long Total);

/// <summary>Reads the contacts read model (rm.contacts, the serving generation).</summary>
public sealed class ContactQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    public async Task<ContactPage> ListAsync(string ownerId, int page, int pageSize, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT contact_id, name, telegram, whatsapp, viber, revision, count(*) OVER ()
            FROM rm.contacts WHERE owner_id = $1
            ORDER BY lower(name), contact_id
            LIMIT $2 OFFSET $3
            """);
        command.Parameters.AddWithValue(ownerId);
        command.Parameters.AddWithValue(pageSize);
        command.Parameters.AddWithValue((long)(page - 1) * pageSize);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<ContactRow>();
        long total = 0;
        while (await reader.ReadAsync(ct))
        {
            items.Add(new ContactRow(reader.GetGuid(0), reader.GetString(1), Nullable(reader, 2), Nullable(reader, 3), Nullable(reader, 4), reader.GetInt64(5)));
            total = reader.GetInt64(6);
        }

        return new ContactPage(items, page, pageSize, total);
    }

    private static string? Nullable(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
