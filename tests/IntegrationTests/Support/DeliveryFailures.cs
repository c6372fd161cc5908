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
        var deliveryId = (await DeliveryIdsAsync(connectionString, messageId))[0];
        var now = DateTimeOffset.UtcNow;
        return (deliveryId, await AppendAsync(connectionString, messageId, new DeliveryAttempted(messageId, deliveryId, 1, now), new DeliveryFailed(messageId, deliveryId, 1, "400 Bad Request", true, now)));
    }

    /// <summary>The message's deliveries, in the order it planned them (by recipient, then Telegram, WhatsApp, Viber).</summary>
    public static async Task<IReadOnlyList<Guid>> DeliveryIdsAsync(string connectionString, Guid messageId)
    {
        await using var node = await EventStoreNode.StartAsync(connectionString);
        var scheduled = await node.Store.ReadStreamAsync($"message-{messageId}", ReadDirection.Forward, 0, 1);
        return [.. JsonDocument.Parse(scheduled[0].Data).RootElement.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("deliveryId").GetGuid())];
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
