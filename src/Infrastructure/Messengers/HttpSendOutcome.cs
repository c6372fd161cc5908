using System.Net;
using System.Text.Json;
using EventSourced.Application.Deliveries;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>Turns an HTTP exchange into a <see cref="SendOutcome"/>: what is worth retrying and what is not.</summary>
internal static class HttpSendOutcome
{
    public static async Task<SendOutcome> SendAsync(HttpClient http, HttpRequestMessage request, Func<JsonElement, string?> providerId, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new SendOutcome.Sent(ProviderId(body, providerId));
            }

            var error = $"{status} {Shorten(body)}";
            return response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || status >= 500
                ? new SendOutcome.Transient(error, RetryAfter(response))
                : new SendOutcome.Permanent(error);
        }
        catch (HttpRequestException e)
        {
            return new SendOutcome.Transient($"network: {e.Message}", null);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // HttpClient's own time-out, not our caller giving up.
            return new SendOutcome.Transient("timed out", null);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };

    private static string? ProviderId(string body, Func<JsonElement, string?> providerId)
    {
        try
        {
            return body.Length == 0 ? null : providerId(JsonDocument.Parse(body).RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            // Sent is sent: an answer we cannot read only costs us the provider's id.
            return null;
        }
    }

    private static string Shorten(string body) => body.Length <= 300 ? body : body[..300];
}
