using System.Collections.Concurrent;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Projections.Runner;
using Marten;
using Npgsql;

namespace EventSourced.Projections.Conversations.Marten;

/// <summary>
/// The conversations read model as Marten documents, run by our projection runner: each batch's
/// events go through one Marten session enlisted in the runner's transaction, so documents and
/// checkpoint still commit together. Built to be measured against <see cref="ConversationsProjection"/>
/// (ADR 0028).
/// </summary>
public sealed class MartenConversationsProjection(NpgsqlDataSource dataSource) : IProjection, IDisposable
{
    // One store per generation's tables; a store is costly to build, and holds no connection.
    private readonly ConcurrentDictionary<string, DocumentStore> _stores = new();

    /// <summary>Marten's table naming: the view rm.mt_doc_conversations, generations rm.mt_doc_conversations_g{N}.</summary>
    public string Name => "mt_doc_conversations";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("conversation", "subject");

    public IReadOnlyList<string> MoreTables { get; } = ["_messages"];

    // Marten's DDL for the generation's documents, without its indexes: those wait until it serves.
    public string CreateTableSql(string table) => string.Join('\n', Ddl(table).Where(line => !line.StartsWith("CREATE INDEX", StringComparison.Ordinal)));

    public string ServingIndexesSql(string table) => string.Join('\n', Ddl(table).Where(line => line.StartsWith("CREATE INDEX", StringComparison.Ordinal)));

    public bool ForgetStream(ProjectionWrite write, string streamId)
    {
        if (StreamIds.GuidOf(streamId, Conversation.StreamId) is not { } id)
        {
            return false;
        }

        // Marten's duplicated columns: plain statements, so they are ordered before the stream's events.
        write.Execute($"DELETE FROM {write.Table}_messages WHERE conversation_id = $1", id);
        write.Execute($"DELETE FROM {write.Table} WHERE id = $1", id);
        return true;
    }

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event) =>
        write.Step(() => new ChatDocumentsWrite(StoreOf(write.Table))).Add(recorded, @event);

    public void Dispose()
    {
        foreach (var store in _stores.Values)
        {
            store.Dispose();
        }
    }

    private DocumentStore StoreOf(string table) =>
        _stores.GetOrAdd(table, t => ChatDocumentStores.Create(dataSource, t[ChatDocumentStores.Prefix.Length..]));

    private string[] Ddl(string table) => StoreOf(table).Storage.ToDatabaseScript().Split('\n');
}
