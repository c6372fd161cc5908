using EventSourced.Application;
using EventSourced.Application.Deliveries;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Sends a saga step's attempts through their messengers' gateways, side by side, and tells the
/// saga how they went in one bus message, so that it records them in one step.
/// </summary>
public sealed class DeliverySender(IEnumerable<IMessengerGateway> gateways) : IConsumer<SendDeliveries>
{
    public async Task Consume(ConsumeContext<SendDeliveries> context)
    {
        var sends = context.Message;
        var outcomes = await Task.WhenAll(sends.Attempts.Select(attempt => SendAsync(attempt, sends.Text)));
        // Not told in time (the broker is away), the sends are received again and sent again under
        // the same idempotency keys.
        await BoundedPublish.WithinTimeoutAsync(bounded => context.Publish(new DeliverySendsFinished(sends.MessageId, outcomes), bounded), context.CancellationToken);
    }

    private async Task<DeliverySendFinished> SendAsync(DeliveryAttempt send, string text)
    {
        var gateway = gateways.Single(g => g.Channel == send.Channel);
        // A send once begun is not cut off by a stopping host: its outcome is worth recording.
        using var activity = Telemetry.Source.StartActivity($"send {send.Channel}");
        var outcome = await gateway.SendAsync(new OutgoingMessage(send.DeliveryId, send.Channel, send.Address, text), CancellationToken.None);
        var result = outcome switch
        {
            SendOutcome.Sent => "sent",
            SendOutcome.Transient => "transient",
            _ => "permanent",
        };
        activity?.SetTag("eventsourced.delivery.outcome", result).SetTag("eventsourced.delivery.attempt", send.Attempt);
        Telemetry.DeliveryAttempts.Add(1, new KeyValuePair<string, object?>("channel", send.Channel.ToString()), new KeyValuePair<string, object?>("outcome", result));
        return DeliverySendFinished.Of(send, outcome);
    }
}
