using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Conversations;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>
/// Conversation lists with every combination of their filters: the query's text is composed from
/// the filters asked for, so each shape is checked against what the events say, whole and paged.
/// </summary>
public sealed class ConversationListFiltersTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();

    [Fact]
    public async Task Every_combination_of_filters_lists_the_conversations_it_names()
    {
        var node = fixture.Node;
        await ProjectionSchema.EnsureAsync(node.DataSource, CancellationToken.None);
        var at = DateTimeOffset.UnixEpoch.AddYears(56);
        var conversations = new List<(Guid Id, string Visitor, string Manager, string Status)>();
        long last = 0;
        for (var n = 0; n < 12; n++)
        {
            var (id, visitor, manager, closed) = (Guid.CreateVersion7(), $"v{n % 4}", $"m{n % 3}", n % 5 == 0);
            var events = new List<object> { new ConversationOpened(id, visitor, manager, visitor, at.AddMinutes(n)) };
            if (closed)
            {
                events.Add(new ConversationClosed(id, manager, at.AddMinutes(n)));
            }

            last = (await node.Store.AppendAsync(Conversation.StreamId(id), ExpectedVersion.NoStream, events.Select(e => Registry.ToEventData(e, Guid.CreateVersion7(), EventMetadata.Empty)).ToList())).Position;
            conversations.Add((id, visitor, manager, closed ? "closed" : "open"));
        }

        using var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(new ConversationsProjection(), node.DataSource, node.Store, Registry, new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(50) }, new ProjectionProgress(node.DataSource), NullLogger.Instance);
        var running = Task.Run(() => runner.RunAsync(stop.Token));
        try
        {
            await Eventually.HoldsAsync(() => new ProjectionProgress(node.DataSource).WaitForAsync("conversations", last, TimeSpan.FromSeconds(1), CancellationToken.None), "the projection");
            var queries = new ConversationQueries(node.DataSource);
            var shapes = from viewer in new[] { "v1", "m2", "ops" }
                         from onlyTheirs in new[] { false, true }
                         from visitor in new[] { null, "v1", "v2" }
                         from manager in new[] { null, "m2" }
                         from status in new[] { null, "open", "closed" }
                         select (viewer, onlyTheirs, visitor, manager, status);
            foreach (var (viewer, onlyTheirs, visitor, manager, status) in shapes)
            {
                var filter = new ConversationFilter(visitor, manager, status);
                var because = $"viewer {viewer}, only theirs {onlyTheirs}, visitor {visitor}, manager {manager}, status {status}";
                var listed = await queries.ListAsync(viewer, onlyTheirs, filter, 200, null, CancellationToken.None);
                var expected = conversations.Where(c => (!onlyTheirs || c.Visitor == viewer || c.Manager == viewer)
                    && (visitor is null || c.Visitor == visitor) && (manager is null || c.Manager == manager) && (status is null || c.Status == status))
                    .Select(c => c.Id).Reverse().ToList();
                listed.Select(c => c.Id).Should().Equal(expected, because + ", latest opened first");
                (await PagesOfTwoAsync(queries, viewer, onlyTheirs, filter)).Should().Equal(expected, because + ", paged by two");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    /// <summary>Pages through a list two at a time, each page from the last one listed, until a page is short.</summary>
    private static async Task<List<Guid>> PagesOfTwoAsync(ConversationQueries queries, string viewer, bool onlyTheirs, ConversationFilter filter)
    {
        var paged = new List<Guid>();
        IReadOnlyList<ConversationRow> page;
        do
        {
            page = await queries.ListAsync(viewer, onlyTheirs, filter, 2, paged.Count == 0 ? null : paged[^1], CancellationToken.None);
            paged.AddRange(page.Select(c => c.Id));
        }
        while (page.Count == 2);
        return paged;
    }
}
