using EventSourced.Application;
using EventSourced.Application.Deliveries;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>Sends one attempt through its messenger's gateway and tells the saga how it went.</summary>
public sealed class DeliverySender(IEnumerable<IMessengerGateway> gateways) : IConsumer<SendDelivery>
{
    public async Task Consume(ConsumeContext<SendDelivery> context)
    {
        var send = context.Message;
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
        await context.Publish(DeliverySendFinished.Of(send, outcome));
    }
}
