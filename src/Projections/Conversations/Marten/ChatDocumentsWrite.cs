using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Privacy;
using EventSourced.Projections.Runner;
using Marten;
using Marten.Services;
using Npgsql;

namespace EventSourced.Projections.Conversations.Marten;

/// <summary>
/// One batch of events applied to documents, the Marten way: load every document the batch
/// touches in one go, apply the events in memory, store what changed in one SaveChanges.
/// </summary>
internal sealed class ChatDocumentsWrite(DocumentStore store) : IWriteStep
{
    private readonly List<(long Version, object Event)> _events = [];
    private readonly Dictionary<Guid, ChatDocument> _conversations = [];
    private readonly Dictionary<Guid, ChatMessageDocument> _messages = [];
    private readonly HashSet<object> _created = [];
    private readonly HashSet<object> _changed = [];

    public void Add(RecordedEvent recorded, object @event) => _events.Add((recorded.StreamVersion, @event));

    public async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var session = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        await LoadAsync(session, ct);
        foreach (var (version, @event) in _events)
        {
            await ApplyAsync(session, version, @event, ct);
        }

        foreach (var document in _changed)
        {
            switch (document)
            {
                case ChatDocument c when _created.Contains(c):
                    session.Insert(c);
                    break;
                case ChatDocument c:
                    session.Update(c);
                    break;
                case ChatMessageDocument m when _created.Contains(m):
                    session.Insert(m);
                    break;
                case ChatMessageDocument m:
                    session.Update(m);
                    break;
            }
        }

        await session.SaveChangesAsync(ct);
    }

    /// <summary>The documents earlier batches wrote that this one changes.</summary>
    private async Task LoadAsync(IDocumentSession session, CancellationToken ct)
    {
        var opened = _events.Select(e => e.Event).OfType<ConversationOpened>().Select(e => e.ConversationId).ToHashSet();
        var posted = _events.Select(e => e.Event).OfType<ChatMessagePosted>().Select(e => e.MessageId).ToHashSet();
        var conversations = _events.Select(e => e.Event).OfType<IConversationEvent>().Select(e => e.ConversationId).Where(id => !opened.Contains(id)).Distinct();
        var messages = _events.Select(e => e.Event switch
        {
            ChatMessagesRead read => read.UpToMessageId,
            ChatMessageHidden hidden => hidden.MessageId,
            _ => Guid.Empty,
        }).Where(id => id != Guid.Empty && !posted.Contains(id)).Distinct();

        foreach (var conversation in await session.LoadManyAsync<ChatDocument>(ct, conversations))
        {
            _conversations[conversation.Id] = conversation;
        }

        foreach (var message in await session.LoadManyAsync<ChatMessageDocument>(ct, messages))
        {
            _messages[message.Id] = message;
        }
    }

    private async Task ApplyAsync(IDocumentSession session, long version, object @event, CancellationToken ct)
    {
        switch (@event)
        {
            case ConversationOpened e:
                Create(_conversations, e.ConversationId, new ChatDocument
                {
                    Id = e.ConversationId, VisitorId = e.VisitorId, ManagerId = e.ManagerId, OpenedAt = e.OpenedAt, LastActivityAt = e.OpenedAt,
                });
                break;
            case ChatMessagePosted e:
                Create(_messages, e.MessageId, new ChatMessageDocument
                {
                    Id = e.MessageId, ConversationId = e.ConversationId, Seq = version, SenderId = e.SenderId,
                    SenderRole = e.SenderRole.ToString().ToLowerInvariant(), Content = e.Content, PostedAt = e.PostedAt,
                });
                Change(_conversations, e.ConversationId, c => (c.LastMessageAt, c.LastActivityAt) = (e.PostedAt, e.PostedAt));
                break;
            case ChatMessagesRead e when _messages.GetValueOrDefault(e.UpToMessageId) is { } upTo:
                Change(_conversations, e.ConversationId, c =>
                {
                    c.VisitorReadSeq = c.VisitorId == e.ReaderId ? upTo.Seq : c.VisitorReadSeq;
                    c.ManagerReadSeq = c.ManagerId == e.ReaderId ? upTo.Seq : c.ManagerReadSeq;
                });
                break;
            case ChatMessageHidden { HiddenFor: null } e:
                Change(_messages, e.MessageId, m => m.HiddenForEveryone = true);
                break;
            case ChatMessageHidden e:
                Change(_messages, e.MessageId, m => m.HiddenFor.Add(e.HiddenFor!));
                break;
            case ConversationClosed e:
                Change(_conversations, e.ConversationId, c => (c.Status, c.ClosedAt) = ("closed", e.ClosedAt));
                break;
            case SubjectForgotten { Kind: SubjectKind.Visitor, VisitorId: { } visitor }:
                await EraseVisitorAsync(session, visitor, ct);
                break;
        }
    }

    /// <summary>Every message of the visitor's conversations, stored or of this batch, loses its text.</summary>
    private async Task EraseVisitorAsync(IDocumentSession session, string visitor, CancellationToken ct)
    {
        var stored = await session.Query<ChatDocument>().Where(c => c.VisitorId == visitor).Select(c => c.Id).ToListAsync(ct);
        var conversations = stored.Concat(_conversations.Values.Where(c => c.VisitorId == visitor).Select(c => c.Id)).ToHashSet();
        foreach (var message in await session.Query<ChatMessageDocument>().Where(m => m.ConversationId.IsOneOf(conversations.ToArray())).ToListAsync(ct))
        {
            _messages.TryAdd(message.Id, message);
        }

        foreach (var message in _messages.Values.Where(m => conversations.Contains(m.ConversationId)))
        {
            Change(_messages, message.Id, m => m.Content = Withheld.Erased);
        }
    }

    private void Create<TDocument>(Dictionary<Guid, TDocument> documents, Guid id, TDocument document)
        where TDocument : class
    {
        documents[id] = document;
        _created.Add(document);
        _changed.Add(document);
    }

    private void Change<TDocument>(Dictionary<Guid, TDocument> documents, Guid id, Action<TDocument> change)
        where TDocument : class
    {
        if (documents.GetValueOrDefault(id) is { } document)
        {
            change(document);
            _changed.Add(document);
        }
    }
}
