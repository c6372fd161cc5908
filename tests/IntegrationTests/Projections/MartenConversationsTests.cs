using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Privacy;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Conversations;
using EventSourced.Projections.Conversations.Marten;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// The Marten port of the conversations read model (ADR 0028) answers every conversation query
/// as the SQL one does, for random histories, live and after a rebuild: the comparison's figures
/// are of two read models that agree.
/// </summary>
public sealed class MartenConversationsTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>, IAsyncLifetime
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();
    private readonly List<(CancellationTokenSource Stop, Task Running)> _runners = [];

    private EventStoreNode Node => fixture.Node;

    public Task InitializeAsync() => ProjectionSchema.EnsureAsync(Node.DataSource, CancellationToken.None);

    public async Task DisposeAsync()
    {
        foreach (var (stop, running) in _runners)
        {
            await stop.CancelAsync();
            await running;
            stop.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Both_read_models_answer_alike_live_and_after_a_rebuild(int seed)
    {
        using var marten = new MartenConversationsProjection(Node.DataSource);
        Start(new ConversationsProjection());
        Start(marten);
        var history = await WriteRandomHistoryAsync(new Random(seed), $"s{seed}{Guid.NewGuid():N}"[..10]);
        await WaitForAsync("conversations", history.Last);
        await WaitForAsync(marten.Name, history.Last);

        var sql = new ConversationQueries(Node.DataSource);
        using var documents = new MartenConversationQueries(Node.DataSource);
        var live = await AnswersAsync(documents, history);
        live.Should().Equal(await AnswersAsync(sql, history));
        live.Should().Contain(answer => answer.Contains("unread 0", StringComparison.Ordinal)).And.Contain(answer => answer.Contains("unread 3", StringComparison.Ordinal));
        live.Should().Contain(answer => answer.Contains(Withheld.Erased, StringComparison.Ordinal), "a forgotten visitor's messages read as erased");

        int rebuilt;
        await using (var connection = await Node.DataSource.OpenConnectionAsync())
        {
            rebuilt = (await ProjectionGenerations.RequestRebuildAsync(connection, marten, CancellationToken.None)).Number;
        }

        await Eventually.HoldsAsync(async () => await Node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = '{marten.Name}' AND active AND generation = {rebuilt}") == 1, "the rebuild to serve");
        (await AnswersAsync(documents, history)).Should().Equal(live);
        (await Node.ScalarAsync($"SELECT count(*) FROM pg_tables WHERE schemaname = 'rm' AND tablename LIKE 'mt_doc_conversations_g1%'")).Should().Be(0, "the replaced generation is dropped");
    }

    private void Start(IProjection projection)
    {
        var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(projection, Node.DataSource, Node.Store, Registry, new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(50) }, new ProjectionProgress(Node.DataSource), NullLogger.Instance);
        _runners.Add((stop, Task.Run(() => runner.RunAsync(stop.Token))));
    }

    private Task WaitForAsync(string projection, long position) =>
        Eventually.HoldsAsync(() => new ProjectionProgress(Node.DataSource).WaitForAsync(projection, position, TimeSpan.FromSeconds(1), CancellationToken.None), projection);

    /// <summary>Every participant's list, and every conversation's history pages as each participant sees them.</summary>
    private static async Task<List<string>> AnswersAsync(dynamic queries, History history)
    {
        var answers = new List<string>();
        foreach (var viewer in history.Participants)
        {
            IReadOnlyList<ConversationRow> rows = await queries.ListAsync(viewer, true, null, null, null, CancellationToken.None);
            answers.AddRange(rows.Select(r => $"{viewer} sees {r.Id} {r.Status} {r.ClosedAt} {r.LastMessageAt} unread {r.Unread}"));
        }

        foreach (var (conversation, visitor, manager, messages) in history.Conversations)
        {
            foreach (var viewer in new[] { visitor, manager })
            {
                IReadOnlyList<ChatMessageRow> latest = await queries.MessagesAsync(conversation, viewer, 4, null, null, CancellationToken.None);
                IReadOnlyList<ChatMessageRow> older = latest.Count == 0 ? [] : await queries.MessagesAsync(conversation, viewer, 4, null, latest[^1].Id, CancellationToken.None);
                IReadOnlyList<ChatMessageRow> newer = await queries.MessagesAsync(conversation, viewer, 50, messages[1], null, CancellationToken.None);
                answers.AddRange(latest.Concat(older).Concat(newer).Select(m => $"{viewer} reads {m.Id} {m.SenderId} {m.SenderRole} {m.Content} {m.PostedAt}"));
            }

            (string, string)? participants = await queries.ParticipantsAsync(conversation, CancellationToken.None);
            answers.Add($"{conversation}: {participants}");
        }

        return answers;
    }

    private async Task<History> WriteRandomHistoryAsync(Random random, string tag)
    {
        var managers = new[] { $"{tag}-m1", $"{tag}-m2" };
        var conversations = new List<(Guid, string, string, List<Guid>)>();
        long last = 0;
        var at = DateTimeOffset.UnixEpoch.AddYears(56);
        for (var n = 0; n < 8; n++)
        {
            var id = Guid.CreateVersion7();
            var (visitor, manager) = ($"{tag}-v{n % 5}", managers[n % 2]);
            var messages = new List<Guid>();
            var events = new List<object> { new ConversationOpened(id, visitor, manager, visitor, at = at.AddMinutes(1)) };
            for (var step = 0; step < 30; step++)
            {
                var (sender, role) = random.Next(2) == 0 ? (visitor, ChatRole.Visitor) : (manager, ChatRole.Manager);
                object next = (random.Next(6), messages.Count) switch
                {
                    (< 3, _) or (_, 0) => new ChatMessagePosted(id, Remember(messages, Guid.CreateVersion7()), sender, role, $"text {step}", at = at.AddSeconds(7)),
                    (3, _) => new ChatMessagesRead(id, sender, messages[random.Next(messages.Count)], at),
                    (4, _) => new ChatMessageHidden(id, messages[random.Next(messages.Count)], random.Next(2) == 0 ? null : sender, sender, at),
                    _ => new ChatMessagesRead(id, random.Next(2) == 0 ? visitor : "someone else", messages[^1], at),
                };
                events.Add(next);
            }

            if (n % 3 == 0)
            {
                events.Add(new ConversationClosed(id, manager, at));
            }

            // Half in one append (one batch), half event by event (live batches): both load paths.
            var chunks = n % 2 == 0 ? [events] : events.Select(e => new List<object> { e }).ToList();
            var version = ExpectedVersion.NoStream;
            foreach (var chunk in chunks)
            {
                var result = await Node.Store.AppendAsync(Conversation.StreamId(id), version, chunk.Select(e => Registry.ToEventData(e, Guid.CreateVersion7(), EventMetadata.Empty)).ToList());
                (version, last) = (ExpectedVersion.From(result.NextVersion), result.Position);
            }

            conversations.Add((id, visitor, manager, messages));
        }

        var forgotten = new SubjectForgotten(Guid.NewGuid(), SubjectKind.Visitor, null, null, $"{tag}-v1", "test", "asked", at);
        last = (await Node.Store.AppendAsync(ForgottenSubject.StreamId(forgotten.KeyId), ExpectedVersion.NoStream, [Registry.ToEventData(forgotten, Guid.CreateVersion7(), EventMetadata.Empty)])).Position;
        return new History(conversations, [.. managers, .. conversations.Select(c => c.Item2).Distinct(), "someone else"], last);
    }

    private static Guid Remember(List<Guid> messages, Guid id)
    {
        messages.Add(id);
        return id;
    }

    private sealed record History(List<(Guid Id, string Visitor, string Manager, List<Guid> Messages)> Conversations, List<string> Participants, long Last);
}
