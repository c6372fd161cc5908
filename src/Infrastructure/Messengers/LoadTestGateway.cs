using System.Net.Http.Headers;
using System.Net.Http.Json;
using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>Triggers a load-test run for the application named by the address: POST {base}runs.</summary>
public sealed class LoadTestGateway(HttpClient http, MessengerEndpointOptions options) : IMessengerGateway
{
    public Channel Channel => Channel.LoadTest;

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.BaseUrl!, "runs"))
        {
            Content = JsonContent.Create(new { application = message.Address, description = message.Text }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        request.Headers.Add("Idempotency-Key", message.DeliveryId.ToString());
        return HttpSendOutcome.SendAsync(http, request, body => body.TryGetProperty("id", out var id) ? id.ToString() : null, ct);
    }
}
