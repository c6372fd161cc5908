using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Writers each adding a contact and sending it a message by Telegram, one after another, until
/// stopped or their node is gone: what the node acknowledged, and how it refused the rest. Each
/// acknowledgment keeps the phase the test had marked when its request began and when it ended.
/// </summary>
public sealed class CommandLoad
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _writers;
    private volatile int _phase;

    private CommandLoad(HttpClient client, int writers)
    {
        _client = client;
        _writers = [.. Enumerable.Range(0, writers).Select(WriteAsync)];
    }

    public sealed record Acknowledged(Guid Id, long Position, int BegunIn, int EndedIn, DateTime At);

    /// <summary>The test's mark of where it is (0 until set), kept with each acknowledgment.</summary>
    public int Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public ConcurrentQueue<Acknowledged> Contacts { get; } = new();

    public ConcurrentQueue<Acknowledged> Messages { get; } = new();

    /// <summary>Each refusal's status and problem type.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    public string RefusedSummary => string.Join(", ", Refused.GroupBy(r => r).Select(g => $"{g.Key} x{g.Count()}"));

    public static CommandLoad Start(HttpClient client, int writers) => new(client, writers);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
        _stop.Dispose();
    }

    private async Task WriteAsync(int writer)
    {
        // Yields at once, so that starting the writers does not run the first requests.
        await Task.Yield();
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            try
            {
                var name = $"Load {writer}-{i}";
                var begun = Phase;
                var contact = await _client.PostAsJsonAsync("/api/contacts", new { name, telegram = $"@load_{writer}_{i}" }, _stop.Token);
                if (!await KeptAsync(contact, HttpStatusCode.Created, Contacts, begun))
                {
                    continue;
                }

                begun = Phase;
                var message = await _client.PostAsJsonAsync("/api/messages", new { text = $"Hello {name}", contactNames = new[] { name } }, _stop.Token);
                await KeptAsync(message, HttpStatusCode.Accepted, Messages, begun);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException)
            {
                // Stopped, or the node died under this request: it was never acknowledged.
                return;
            }
        }
    }

    private async Task<bool> KeptAsync(HttpResponseMessage response, HttpStatusCode acknowledged, ConcurrentQueue<Acknowledged> into, int begun)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(_stop.Token);
        if (response.StatusCode == acknowledged)
        {
            into.Enqueue(new Acknowledged(body.GetProperty("id").GetGuid(), body.GetProperty("position").GetInt64(), begun, Phase, DateTime.UtcNow));
            return true;
        }

        Refused.Enqueue($"{(int)response.StatusCode} {(body.TryGetProperty("type", out var type) ? type.GetString() : "(no type)")}");
        return false;
    }
}
