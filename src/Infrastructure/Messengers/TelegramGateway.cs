using System.Net.Http.Json;
using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>Telegram Bot API sendMessage: POST {base}/bot{token}/sendMessage.</summary>
public sealed class TelegramGateway(HttpClient http, MessengerEndpointOptions options) : IMessengerGateway
{
    public Channel Channel => Channel.Telegram;

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl!, $"bot{options.Token}/sendMessage"))
        {
            Content = JsonContent.Create(new { chat_id = message.Address, text = message.Text }),
        };
        // The Bot API has no idempotency key and ignores the header; the emulator (and a proxy that dedupes) honour it.
        request.Headers.Add("Idempotency-Key", message.DeliveryId.ToString());
        return HttpSendOutcome.SendAsync(http, request, body => body.GetProperty("result").GetProperty("message_id").ToString(), ct);
    }
}
