using System.Text.Json;
using Microsoft.Extensions.Options;

namespace EventSourced.Api.Emulator;

/// <summary>
/// Telegram-, WhatsApp- and Viber-shaped send endpoints, an issue tracker's comments, a load-test
/// trigger and a deploy platform's status, recording what they receive. A recipient
/// containing "unknown" is refused (400), one containing "ratelimited" is throttled (429, Retry-After: 7),
/// and a text containing "[busy]" is throttled on its first attempt (429, Retry-After: 3). Off unless
/// Emulator:Enabled; the development run points the gateways at it so deliveries succeed and fail.
/// </summary>
public static class MessengerEmulatorEndpoints
{
    public static IEndpointRouteBuilder MapMessengerEmulator(this IEndpointRouteBuilder routes, string prefix = "/emulator")
    {
        var emulator = routes.MapGroup(prefix).AllowAnonymous().ExcludeFromDescription();
        emulator.MapPost("/telegram/bot{token}/sendMessage", (JsonElement body, HttpRequest request, IOptions<EmulatorOptions> options, EmulatorLog log, CancellationToken ct) =>
            AnswerAsync("telegram", options.Value.Telegram, log, request, Text(body, "chat_id"), Text(body, "text"),
                id => new { ok = true, result = new { message_id = id } }, ct));
        emulator.MapPost("/whatsapp/{sender}/messages", (JsonElement body, HttpRequest request, IOptions<EmulatorOptions> options, EmulatorLog log, CancellationToken ct) =>
            AnswerAsync("whatsapp", options.Value.WhatsApp, log, request, Text(body, "to"), body.TryGetProperty("text", out var t) ? Text(t, "body") : "",
                id => new { messaging_product = "whatsapp", messages = new[] { new { id } } }, ct));
        emulator.MapPost("/viber/pa/send_message", (JsonElement body, HttpRequest request, IOptions<EmulatorOptions> options, EmulatorLog log, CancellationToken ct) =>
            AnswerAsync("viber", options.Value.Viber, log, request, Text(body, "receiver"), Text(body, "text"),
                id => new { status = 0, status_message = "ok", message_token = id }, ct));
        emulator.MapPost("/tracker/issues/{key}/comments", (string key, JsonElement body, HttpRequest request, IOptions<EmulatorOptions> options, EmulatorLog log, CancellationToken ct) =>
            Authorized(request) ?? AnswerAsync("tracker", options.Value.Tracker, log, request, key, Text(body, "body"), id => new { id }, ct));
        emulator.MapPost("/loadtest/runs", (JsonElement body, HttpRequest request, IOptions<EmulatorOptions> options, EmulatorLog log, CancellationToken ct) =>
            Authorized(request) ?? AnswerAsync("loadtest", options.Value.LoadTest, log, request, Text(body, "application"), Text(body, "description"), id => new { id }, ct));
        // The deploy platform's status endpoint that the polling source reads; tests and demos set it.
        emulator.MapGet("/platform/environments", (EmulatedPlatform platform) => TypedResults.Ok(platform.Environments));
        emulator.MapPut("/platform/environments/{environmentId}", (string environmentId, EmulatedEnvironment state, EmulatedPlatform platform) =>
        {
            platform.Set(state with { EnvironmentId = environmentId });
            return TypedResults.NoContent();
        });
        emulator.MapGet("/received", (EmulatorLog log, string? endpoint) =>
            TypedResults.Ok(log.Requests.Where(r => endpoint is null || r.Endpoint == endpoint).ToList()));
        return routes;
    }

    private static IResult Throttled(EmulatorLog log, string endpoint, string? key, string recipient, string text, HttpRequest request, int seconds)
    {
        log.Record(endpoint, key, recipient, text, StatusCodes.Status429TooManyRequests);
        request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new { ok = false, error_code = 429, description = $"Too Many Requests: retry after {seconds}" }, statusCode: StatusCodes.Status429TooManyRequests);
    }

    private static async Task<IResult> AnswerAsync(
        string endpoint, EmulatedEndpointOptions behaviour, EmulatorLog log, HttpRequest request, string recipient, string text, Func<string, object> success, CancellationToken ct)
    {
        if (behaviour.LatencyMilliseconds > 0)
        {
            // The emulated network's latency.
            await Task.Delay(behaviour.LatencyMilliseconds, ct);
        }

        var key = request.Headers["Idempotency-Key"].FirstOrDefault();
        if (log.SentBefore(endpoint, key) is { } earlier)
        {
            // A repeat of a send that succeeded: the same answer, and no second message.
            return Results.Ok(success(earlier));
        }

        var attempt = log.NextAttempt(endpoint, key);
        if (recipient.Contains("unknown", StringComparison.OrdinalIgnoreCase))
        {
            log.Record(endpoint, key, recipient, text, StatusCodes.Status400BadRequest);
            return Results.Json(new { ok = false, error_code = 400, description = "Bad Request: chat not found" }, statusCode: StatusCodes.Status400BadRequest);
        }

        if (recipient.Contains("ratelimited", StringComparison.OrdinalIgnoreCase))
        {
            return Throttled(log, endpoint, key, recipient, text, request, seconds: 7);
        }

        if (attempt == 1 && text.Contains("[busy]", StringComparison.OrdinalIgnoreCase))
        {
            return Throttled(log, endpoint, key, recipient, text, request, seconds: 3);
        }

        if (attempt <= behaviour.FailuresBeforeSuccess || Random.Shared.NextDouble() < behaviour.FailureRate)
        {
            log.Record(endpoint, key, recipient, text, StatusCodes.Status503ServiceUnavailable);
            return Results.Json(new { ok = false, error_code = 503, description = "Service Unavailable (emulated)" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Ok(success(log.Record(endpoint, key, recipient, text, StatusCodes.Status200OK)));
    }

    // The tracker and the load-test service refuse requests without a token, as the real ones do.
    private static Task<IResult>? Authorized(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { Length: > 7 } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal)
            ? null
            : Task.FromResult<IResult>(Results.Json(new { error = "unauthorized" }, statusCode: StatusCodes.Status401Unauthorized));

    private static string Text(JsonElement body, string property) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(property, out var value) ? value.ToString() : "";
}
