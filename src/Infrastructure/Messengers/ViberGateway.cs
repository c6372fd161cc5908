using System.Net.Http.Json;
using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>Viber REST bot API send_message: POST {base}/pa/send_message with X-Viber-Auth-Token.</summary>
public sealed class ViberGateway(HttpClient http, MessengerEndpointOptions options) : IMessengerGateway
{
    public Channel Channel => Channel.Viber;

    public async Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl!, "pa/send_message"))
        {
            Content = JsonContent.Create(new { receiver = message.Address, type = "text", text = message.Text, sender = new { name = "EventSourced" } }),
        };
        request.Headers.Add("X-Viber-Auth-Token", options.Token);
        request.Headers.Add("Idempotency-Key", message.DeliveryId.ToString());
        var outcome = await HttpSendOutcome.SendAsync(http, request, body => body.ToString(), ct);

        // Viber answers 200 with a status inside: 0 is sent, anything else (unknown receiver, bad token) is refused.
        if (outcome is SendOutcome.Sent { ProviderMessageId: { } json })
        {
            using var body = System.Text.Json.JsonDocument.Parse(json);
            var root = body.RootElement;
            return root.TryGetProperty("status", out var status) && status.GetInt32() != 0
                ? new SendOutcome.Permanent($"viber status {status.GetInt32()}: {(root.TryGetProperty("status_message", out var m) ? m.GetString() : "")}")
                : new SendOutcome.Sent(root.TryGetProperty("message_token", out var token) ? token.ToString() : null);
        }

        return outcome;
    }
}
