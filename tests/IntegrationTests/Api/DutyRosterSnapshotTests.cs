using System.Net;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Api;

/// <summary>The service snapshots the duty roster, which gains an event with every chat (ADR 0036).</summary>
public sealed class DutyRosterSnapshotTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    [Fact]
    public async Task A_chat_opened_on_a_long_roster_leaves_a_snapshot_of_it_for_nodes_that_start_later()
    {
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        // A roster as months of chats leave it, beyond the 500 events a snapshot is taken every.
        var registry = EventCatalog.Create();
        var history = new List<EventData> { registry.ToEventData(new ManagerWentOnDuty("mia", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty) };
        history.AddRange(Enumerable.Range(0, 599).Select(n =>
            registry.ToEventData(new ConversationRouted(Guid.NewGuid(), $"visitor-{n}", "mia", DateTimeOffset.UtcNow), Guid.NewGuid(), EventMetadata.Empty)));
        await node.Store.AppendAsync(DutyRoster.StreamId, ExpectedVersion.NoStream, history);

        var opened = await (await api.ClientFor("vlad").PostAsync("/api/conversations", null)).JsonAsync(HttpStatusCode.Created);

        opened.GetProperty("managerId").GetString().Should().Be("mia");
        (await node.ScalarAsync($"SELECT version FROM {node.Options.Schema}.stream_snapshots WHERE stream_id = 'duty-roster' AND shape = 'duty-roster/1'"))
            .Should().Be(599, "the opening folded the roster's 600 events, versions 0 to 599, before it routed the chat");
    }
}
