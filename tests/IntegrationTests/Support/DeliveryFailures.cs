using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;

namespace EventSourced.IntegrationTests.Support;

/// <summary>A message's first delivery given up as the delivery saga records it (an attempt, then a permanent failure), without a messenger.</summary>
public static class DeliveryFailures
{
    /// <returns>The delivery, and the position to read the failed queue at.</returns>
    public static async Task<(Guid DeliveryId, long Position)> FailFirstAsync(string connectionString, Guid messageId)
    {
        await using var node = await EventStoreNode.StartAsync(connectionString);
        var scheduled = await node.Store.ReadStreamAsync($"message-{messageId}", ReadDirection.Forward, 0, 10);
        var deliveryId = JsonDocument.Parse(scheduled[0].Data).RootElement.GetProperty("deliveries")[0].GetProperty("deliveryId").GetGuid();
        var now = DateTimeOffset.UtcNow;
        var registry = EventCatalog.Create();
        IMessageEvent[] failure = [new DeliveryAttempted(messageId, deliveryId, 1, now), new DeliveryFailed(messageId, deliveryId, 1, "400 Bad Request", true, now)];
        var appended = await node.Store.AppendAsync($"message-{messageId}", ExpectedVersion.Any, failure.Select(e => registry.ToEventData(e, Guid.NewGuid(), EventMetadata.Empty)).ToList());
        return (deliveryId, appended.Position);
    }
}
