using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EventSourced.Cli;

/// <summary>
/// The REST API as the command line uses it: JSON in and out, and every error answer turned into
/// a <see cref="CliException"/> that carries the server's problem details and an exit code.
/// </summary>
public sealed class ApiClient(HttpClient http, TimeSpan timeout) : IDisposable
{
    /// <summary>
    /// How long a request that acts on a whole queue may take (redeliver or discard all): at a
    /// few thousand deliveries a second, 30 s ended a queue of 100,000 half done.
    /// </summary>
    public static readonly TimeSpan BulkTimeout = TimeSpan.FromMinutes(10);

    public static ApiClient For(CliSettings settings)
    {
        // Each request has its own deadline (a bulk one a longer one), not the client's.
        var http = new HttpClient { BaseAddress = settings.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        if (settings.ApiKey is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return new ApiClient(http, settings.Timeout);
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, timeout, ct);

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, timeout, ct);

    /// <summary>A POST that may act on a whole queue: it waits up to <see cref="BulkTimeout"/>, or the usual wait if longer.</summary>
    public Task<JsonElement> BulkPostAsync(string path, object body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, body, timeout > BulkTimeout ? timeout : BulkTimeout, ct);

    public Task<JsonElement> PatchAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Patch, path, body, timeout, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, timeout, ct);

    /// <summary>
    /// Writes the answer's body to <paramref name="file"/>, whole or not at all: it goes to a file
    /// beside it first, which takes the name only once the last byte came.
    /// </summary>
    /// <returns>The answer's headers.</returns>
    public async Task<HttpResponseHeaders> DownloadAsync(string path, string file, CancellationToken ct)
    {
        var partial = file + ".partial";
        FileStream written;
        try
        {
            written = File.Create(partial);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"Cannot write {file}: {e.Message}");
        }

        try
        {
            HttpResponseHeaders headers;
            await using (written)
            {
                headers = await ExchangeAsync(HttpMethod.Get, path, null, timeout > BulkTimeout ? timeout : BulkTimeout, async (response, token) =>
                {
                    await response.Content.CopyToAsync(written, token);
                    return response.Headers;
                }, ct);
            }

            File.Move(partial, file, overwrite: true);
            return headers;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <returns>The answer's JSON; an empty object for an answer without a body (204).</returns>
    private Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, TimeSpan wait, CancellationToken ct) =>
        ExchangeAsync(method, path, body, wait, async (response, token) =>
        {
            var text = await response.Content.ReadAsStringAsync(token);
            return text.Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(text).RootElement.Clone();
        }, ct);

    /// <summary>Sends the request and reads a successful answer with <paramref name="read"/>, within <paramref name="wait"/>; any other answer is a <see cref="CliException"/>.</summary>
    private async Task<T> ExchangeAsync<T>(
        HttpMethod method, string path, object? body, TimeSpan wait, Func<HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = body is null ? null : JsonContent.Create(body) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(wait);
        try
        {
            // The headers first, so that a body read by read() streams rather than being buffered whole.
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException(ExitCodeOf(response.StatusCode), Describe(response.StatusCode, await response.Content.ReadAsStringAsync(deadline.Token)));
            }

            return await read(response, deadline.Token);
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var why = e is OperationCanceledException ? $"no answer within {wait.TotalSeconds:0.###} s" : e.Message;
            throw new CliException(ExitCodes.Unavailable, $"The API at {http.BaseAddress} did not answer: {why}");
        }
    }

    private static int ExitCodeOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ExitCodes.Usage,
        HttpStatusCode.NotFound => ExitCodes.NotFound,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Denied,
        HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed => ExitCodes.Conflict,
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests => ExitCodes.Unavailable,
        _ => ExitCodes.Failed,
    };

    /// <summary>The problem's title, detail and each refused field, as the server said them.</summary>
    private static string Describe(HttpStatusCode status, string body)
    {
        var text = new StringBuilder($"{(int)status}");
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            foreach (var part in new[] { "title", "detail" })
            {
                if (problem.TryGetProperty(part, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    text.Append(": ").Append(value.GetString());
                }
            }

            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    text.Append('\n').Append("  ").Append(field.Name).Append(": ").AppendJoin(' ', field.Value.EnumerateArray().Select(e => e.GetString()));
                }
            }
        }
        catch (JsonException)
        {
            text.Append(": ").Append(body.Length > 200 ? body[..200] : body);
        }

        return text.ToString();
    }

    public void Dispose() => http.Dispose();
}
