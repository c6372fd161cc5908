using JasperFx;
using Marten;
using Npgsql;

namespace EventSourced.Projections.Conversations.Marten;

/// <summary>A conversation as a Marten document: its participants, state and read marks.</summary>
public sealed class ChatDocument
{
    public Guid Id { get; set; }

    public string VisitorId { get; set; } = "";

    public string ManagerId { get; set; } = "";

    public string Status { get; set; } = "open";

    public DateTimeOffset OpenedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public DateTimeOffset? LastMessageAt { get; set; }

    /// <summary>The last message's time, or the opening's: what lists are sorted by.</summary>
    public DateTimeOffset LastActivityAt { get; set; }

    public long VisitorReadSeq { get; set; } = -1;

    public long ManagerReadSeq { get; set; } = -1;
}

/// <summary>A posted chat message as a Marten document, with who hid it.</summary>
public sealed class ChatMessageDocument
{
    public Guid Id { get; set; }

    public Guid ConversationId { get; set; }

    /// <summary>The message's version in the conversation's stream: its order.</summary>
    public long Seq { get; set; }

    public string SenderId { get; set; } = "";

    public string SenderRole { get; set; } = "";

    public string Content { get; set; } = "";

    public DateTimeOffset PostedAt { get; set; }

    public List<string> HiddenFor { get; set; } = [];

    public bool HiddenForEveryone { get; set; }
}

/// <summary>
/// Marten stores over the two document tables. Marten names a table rm.mt_doc_{alias}: a
/// generation's store writes rm.mt_doc_conversations_g{N}, and the queries' store reads the
/// views rm.mt_doc_conversations(_messages) the runner points at the serving generation.
/// Schema objects are never created by Marten on the fly: the runner creates a generation's.
/// </summary>
public static class ChatDocumentStores
{
    public const string Prefix = "rm.mt_doc_";

    /// <param name="alias">conversations for the serving views, conversations_g{N} for a generation's tables.</param>
    public static DocumentStore Create(NpgsqlDataSource dataSource, string alias) => DocumentStore.For(options =>
    {
        options.Connection(dataSource);
        options.DatabaseSchemaName = "rm";
        options.AutoCreateSchemaObjects = AutoCreate.None;
        options.UseSystemTextJsonForSerialization();
        // Duplicated into columns of their own, with an index each: what lists filter and sort by, and
        // whose history is read. Not the sequence: with an index of its own the planner pages history by
        // scanning it across all conversations.
        options.Schema.For<ChatDocument>().DocumentAlias(alias)
            .Duplicate(c => c.VisitorId).Duplicate(c => c.ManagerId).Duplicate(c => c.Status).Duplicate(c => c.LastActivityAt);
        options.Schema.For<ChatMessageDocument>().DocumentAlias($"{alias}_messages")
            .Duplicate(m => m.ConversationId);
    });
}
