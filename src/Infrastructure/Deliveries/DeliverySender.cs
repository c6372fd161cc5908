using EventSourced.Application;
using EventSourced.Application.Deliveries;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Sends attempts through their messengers' gateways, side by side, and tells the saga how they
/// went: one bus message per message whose attempts were in the batch, so the saga records them
/// in one step (the batch is grouped by message, <see cref="DeliverySenderDefinition"/>).
/// </summary>
public sealed class DeliverySender(IEnumerable<IMessengerGateway> gateways) : IConsumer<Batch<SendDelivery>>
{
    /// <summary>
    /// How long telling the saga may wait for the broker. MassTransit reconnects a node's consumers
    /// only once the messages they hold are done, and a publish waits for the broker to come back:
    /// without a limit, a RabbitMQ restart left a node that never consumed again. Given up, the
    /// batch is received again after the reconnect and sent again under the same idempotency keys.
    /// </summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    public async Task Consume(ConsumeContext<Batch<SendDelivery>> context)
    {
        var sends = context.Message.Select(m => m.Message).ToList();
        var outcomes = await Task.WhenAll(sends.Select(SendAsync));
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        publishing.CancelAfter(PublishTimeout);
        foreach (var message in outcomes.GroupBy(o => o.MessageId))
        {
            await context.Publish(new DeliverySendsFinished(message.Key, message.Select(o => o.Finished).ToList()), publishing.Token);
        }
    }

    private async Task<(Guid MessageId, DeliverySendFinished Finished)> SendAsync(SendDelivery send)
    {
        var gateway = gateways.Single(g => g.Channel == send.Channel);
        // A send once begun is not cut off by a stopping host: its outcome is worth recording.
        using var activity = Telemetry.Source.StartActivity($"send {send.Channel}");
        var outcome = await gateway.SendAsync(new OutgoingMessage(send.DeliveryId, send.Channel, send.Address, send.Text), CancellationToken.None);
        var result = outcome switch
        {
            SendOutcome.Sent => "sent",
            SendOutcome.Transient => "transient",
            _ => "permanent",
        };
        activity?.SetTag("eventsourced.delivery.outcome", result).SetTag("eventsourced.delivery.attempt", send.Attempt);
        Telemetry.DeliveryAttempts.Add(1, new KeyValuePair<string, object?>("channel", send.Channel.ToString()), new KeyValuePair<string, object?>("outcome", result));
        return (send.MessageId, DeliverySendFinished.Of(send, outcome));
    }
}
