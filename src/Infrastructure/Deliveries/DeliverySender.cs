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
        var outcome = await gateway.SendAsync(new OutgoingMessage(send.DeliveryId, send.Channel, send.Address, send.Text), CancellationToken.None);
        await context.Publish(DeliverySendFinished.Of(send, outcome));
    }
}
