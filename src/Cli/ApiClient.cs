using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace EventSourced.Cli;

/// <summary>
/// The REST API as the command line uses it: JSON in and out, and every error answer turned into
/// a <see cref="CliException"/> that carries the server's problem details and an exit code.
/// </summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public static ApiClient For(CliSettings settings)
    {
        var http = new HttpClient { BaseAddress = settings.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (settings.ApiKey is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return new ApiClient(http);
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonElement> PatchAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Patch, path, body, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// <returns>The answer's JSON; an empty object for an answer without a body (204).</returns>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = body is null ? null : JsonContent.Create(body) };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new CliException(ExitCodes.Unavailable, $"The API at {http.BaseAddress} did not answer: {e.Message}");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException(ExitCodeOf(response.StatusCode), Describe(response.StatusCode, text));
            }

            return text.Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(text).RootElement.Clone();
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
