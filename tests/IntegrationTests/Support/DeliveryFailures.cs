using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;

namespace EventSourced.IntegrationTests.Support;

/// <summary>Delivery events appended to a message's stream as the delivery saga records them, without a messenger.</summary>
public static class DeliveryFailures
{
    /// <summary>The message's first delivery given up: an attempt, then a permanent failure.</summary>
    /// <returns>The delivery, and the position to read the failed queue at.</returns>
    public static async Task<(Guid DeliveryId, long Position)> FailFirstAsync(string connectionString, Guid messageId)
    {
        await using var node = await EventStoreNode.StartAsync(connectionString);
        var scheduled = await node.Store.ReadStreamAsync($"message-{messageId}", ReadDirection.Forward, 0, 10);
        var deliveryId = JsonDocument.Parse(scheduled[0].Data).RootElement.GetProperty("deliveries")[0].GetProperty("deliveryId").GetGuid();
        var now = DateTimeOffset.UtcNow;
        return (deliveryId, await AppendAsync(connectionString, messageId, new DeliveryAttempted(messageId, deliveryId, 1, now), new DeliveryFailed(messageId, deliveryId, 1, "400 Bad Request", true, now)));
    }

    /// <returns>The position of the last event appended.</returns>
    public static async Task<long> AppendAsync(string connectionString, Guid messageId, params IMessageEvent[] events)
    {
        await using var node = await EventStoreNode.StartAsync(connectionString);
        var registry = EventCatalog.Create();
        var appended = await node.Store.AppendAsync($"message-{messageId}", ExpectedVersion.Any, events.Select(e => registry.ToEventData(e, Guid.NewGuid(), EventMetadata.Empty)).ToList());
        return appended.Position;
    }
}
