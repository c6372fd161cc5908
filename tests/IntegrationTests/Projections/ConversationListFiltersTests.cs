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
/// the filters asked for, so each shape is checked against what the events say.
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
                var listed = await queries.ListAsync(viewer, onlyTheirs, visitor, manager, status, CancellationToken.None);
                var expected = conversations.Where(c => (!onlyTheirs || c.Visitor == viewer || c.Manager == viewer)
                    && (visitor is null || c.Visitor == visitor) && (manager is null || c.Manager == manager) && (status is null || c.Status == status));
                listed.Select(c => c.Id).Should().BeEquivalentTo(expected.Select(c => c.Id), $"viewer {viewer}, only theirs {onlyTheirs}, visitor {visitor}, manager {manager}, status {status}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }
}
