using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventSourced.Api.Faye;

/// <summary>
/// A Bayeux 1.0 server at /faye for the chat's Faye clients: long-polling (POST, a JSON array of
/// messages each way), WebSocket (the same URL upgraded, a JSON array a frame) and callback-polling
/// (GET as a script: how the stock browser client shakes hands from another site's page, where
/// it may not POST here). Credentials travel in the messages' ext, so the endpoint itself is
/// anonymous (docs/adr/0023).
/// </summary>
public static partial class FayeEndpoints
{
    public static IServiceCollection AddFaye(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection("Faye").Get<FayeOptions>() ?? new FayeOptions());
        services.AddSingleton<BayeuxClients>();
        services.AddSingleton<BayeuxChannels>();
        services.AddSingleton<BayeuxProtocol>();
        services.AddHostedService<BayeuxFeed>();
        return services;
    }

    public static WebApplication MapFaye(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapPost("/faye", LongPollAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        app.MapGet("/faye", (HttpContext http, BayeuxProtocol protocol, CancellationToken ct) =>
            http.WebSockets.IsWebSocketRequest ? WebSocketAsync(http, protocol, ct) : CallbackPollAsync(http, protocol, ct)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task LongPollAsync(HttpContext http, BayeuxProtocol protocol, CancellationToken ct)
    {
        List<JsonObject> messages;
        try
        {
            messages = Messages(await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct));
        }
        catch (JsonException)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(await RepliesAsync(messages, protocol, ct), ct);
    }

    /// <summary>
    /// <c>GET /faye?message=[...]&amp;jsonp=name</c>, answered as <c>/**/name([...]);</c> for a
    /// script element to run. The name is checked, so the answer can only ever call a function.
    /// </summary>
    private static async Task CallbackPollAsync(HttpContext http, BayeuxProtocol protocol, CancellationToken ct)
    {
        var callback = http.Request.Query["jsonp"].ToString();
        List<JsonObject> messages;
        try
        {
            messages = CallbackName().IsMatch(callback) ? Messages(JsonNode.Parse(http.Request.Query["message"].ToString())) : [];
        }
        catch (JsonException)
        {
            messages = [];
        }

        if (messages.Count == 0)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var replies = await RepliesAsync(messages, protocol, ct);
        http.Response.ContentType = "text/javascript; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache, no-store";
        await http.Response.WriteAsync($"/**/{callback}({replies});", ct);
    }

    /// <summary>The replies to a request's messages, as a JSON array; a connect among them is held as a long poll.</summary>
    private static async Task<string> RepliesAsync(List<JsonObject> messages, BayeuxProtocol protocol, CancellationToken ct)
    {
        var replies = new List<JsonObject>();
        foreach (var message in messages)
        {
            replies.AddRange(IsConnect(message) ? await protocol.ConnectAsync(message, ct) : [await protocol.HandleAsync(message, ct)]);
        }

        // The default encoder escapes every non-ASCII character, U+2028 and U+2029 among them, which
        // a script (callback-polling) could not hold in a string literal.
        return new JsonArray([.. replies]).ToJsonString();
    }

    private static async Task WebSocketAsync(HttpContext http, BayeuxProtocol protocol, CancellationToken ct)
    {
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var sending = new SemaphoreSlim(1);
        // A node that is stopping drops the socket rather than hold its stop for the host's 30 s:
        // the client connects again, to another node.
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(ct, http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var connects = new List<Task>();
        try
        {
            while (await ReceiveAsync(socket, closed.Token) is { } frame)
            {
                foreach (var message in Messages(frame))
                {
                    if (IsConnect(message))
                    {
                        // Held like a long poll, while other frames (subscribes) go on being read.
                        connects.RemoveAll(c => c.IsCompleted);
                        connects.Add(Task.Run(async () => await SendAsync(socket, sending, await protocol.ConnectAsync(message, closed.Token), closed.Token), closed.Token));
                    }
                    else
                    {
                        await SendAsync(socket, sending, [await protocol.HandleAsync(message, closed.Token)], closed.Token);
                    }
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException)
        {
            // The client went away, sent what is not Bayeux, or the node is stopping: the socket ends here.
        }
        finally
        {
            await closed.CancelAsync();
            await Task.WhenAll(connects).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static async Task<JsonNode?> ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        using var frame = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, ct);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            frame.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
            {
                return JsonNode.Parse(frame.ToArray());
            }
        }
    }

    private static async Task SendAsync(WebSocket socket, SemaphoreSlim sending, List<JsonObject> messages, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(new JsonArray([.. messages]).ToJsonString());
        await sending.WaitAsync(ct);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            sending.Release();
        }
    }

    // A JavaScript name, or names joined by dots, as faye's own server accepts.
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$")]
    private static partial System.Text.RegularExpressions.Regex CallbackName();

    private static bool IsConnect(JsonObject message) => BayeuxProtocol.Text(message["channel"]) == "/meta/connect";

    private static List<JsonObject> Messages(JsonNode? body) => body switch
    {
        JsonArray many => [.. many.OfType<JsonObject>()],
        JsonObject one => [one],
        _ => [],
    };
}
