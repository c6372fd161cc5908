using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Privacy;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Contacts;

/// <summary>Every owner's live contacts, for listing: one row per contact, removed ones deleted.</summary>
public sealed class ContactsProjection : IProjection
{
    public string Name => "contacts";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("contacts", "subject");

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            owner_id    text   NOT NULL,
            contact_id  uuid   NOT NULL,
            name        text   NOT NULL,
            telegram    text,
            whatsapp    text,
            viber       text,
            revision    bigint NOT NULL,
            PRIMARY KEY (owner_id, contact_id));
        """;

    public string ServingIndexesSql(string table) => $"CREATE INDEX ON {table} (owner_id, lower(name), contact_id);";

    // A contact book stream holds exactly its owner's rows.
    public bool ForgetStream(ProjectionWrite write, string streamId)
    {
        if (!streamId.StartsWith(ContactBook.StreamId(""), StringComparison.Ordinal))
        {
            return false;
        }

        write.Execute($"DELETE FROM {write.Table} WHERE owner_id = $1", streamId[ContactBook.StreamId("").Length..]);
        return true;
    }

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        switch (@event)
        {
            case ContactAdded e:
                write.Insert(write.Table, "owner_id, contact_id, name, telegram, whatsapp, viber, revision", e.OwnerId, e.ContactId, e.Name, e.Telegram, e.WhatsApp, e.Viber, 0L);
                break;
            case ContactUpdated e:
                write.Execute(
                    $"UPDATE {write.Table} SET name = $3, telegram = $4, whatsapp = $5, viber = $6, revision = revision + 1 WHERE owner_id = $1 AND contact_id = $2",
                    e.OwnerId, e.ContactId, e.Name, e.Telegram, e.WhatsApp, e.Viber);
                break;
            case ContactRemoved e:
                write.Execute($"DELETE FROM {write.Table} WHERE owner_id = $1 AND contact_id = $2", e.OwnerId, e.ContactId);
                break;
            // A rebuild reads the contact's events as erased already; live, the row is erased here.
            case SubjectForgotten { Kind: SubjectKind.Contact, OwnerId: { } owner, ContactId: { } contact }:
                write.Execute($"""
                    UPDATE {write.Table} SET name = $3, telegram = CASE WHEN telegram IS NULL THEN NULL ELSE $3 END,
                        whatsapp = CASE WHEN whatsapp IS NULL THEN NULL ELSE $3 END, viber = CASE WHEN viber IS NULL THEN NULL ELSE $3 END
                    WHERE owner_id = $1 AND contact_id = $2
                    """, owner, contact, Withheld.Erased);
                break;
        }
    }
}
