using System.Net.Http.Headers;
using System.Net.Http.Json;
using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>WhatsApp Cloud-API-style text send: POST {base}/{senderId}/messages with a bearer token.</summary>
public sealed class WhatsAppGateway(HttpClient http, MessengerEndpointOptions options) : IMessengerGateway
{
    public Channel Channel => Channel.WhatsApp;

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl!, $"{options.SenderId}/messages"))
        {
            Content = JsonContent.Create(new { messaging_product = "whatsapp", to = message.Address, type = "text", text = new { body = message.Text } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        request.Headers.Add("Idempotency-Key", message.DeliveryId.ToString());
        return HttpSendOutcome.SendAsync(http, request, body => body.GetProperty("messages")[0].GetProperty("id").GetString(), ct);
    }
}
