using System.Net.Http.Headers;
using System.Net.Http.Json;
using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>An issue-tracker comment on the ticket named by the address: POST {base}/issues/{key}/comments, bearer token.</summary>
public sealed class TrackerGateway(HttpClient http, MessengerEndpointOptions options) : IMessengerGateway
{
    public Channel Channel => Channel.Tracker;

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl!, $"issues/{Uri.EscapeDataString(message.Address)}/comments"))
        {
            Content = JsonContent.Create(new { body = message.Text }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        request.Headers.Add("Idempotency-Key", message.DeliveryId.ToString());
        return HttpSendOutcome.SendAsync(http, request, body => body.TryGetProperty("id", out var id) ? id.ToString() : null, ct);
    }
}
