using System.Text.Json.Nodes;

namespace EventSourced.Api.Faye;

/// <summary>
/// Bayeux 1.0's meta channels over any transport: handshake, subscribe, unsubscribe, disconnect
/// here; /meta/connect's long wait belongs to the transport, which asks <see cref="ConnectAsync"/>.
/// </summary>
public sealed class BayeuxProtocol(BayeuxClients clients, BayeuxChannels channels, FayeOptions options, IHostApplicationLifetime lifetime)
{
    private static readonly string[] ConnectionTypes = ["long-polling", "callback-polling", "websocket"];

    /// <summary>The reply to one message other than /meta/connect.</summary>
    public async Task<JsonObject> HandleAsync(JsonObject message, CancellationToken ct)
    {
        var channel = Text(message["channel"]) ?? "";
        if (channel == "/meta/handshake")
        {
            return await HandshakeAsync(message);
        }

        if (clients.Find(Text(message["clientId"])) is not { } client)
        {
            return Reply(message, channel, false, $"401:{message["clientId"]}:Unknown client", new JsonObject { ["reconnect"] = "handshake" });
        }

        return channel switch
        {
            "/meta/subscribe" => await SubscribeAsync(client, message, ct),
            "/meta/unsubscribe" => Unsubscribe(client, message),
            "/meta/disconnect" => Disconnect(client, message),
            _ => Reply(message, channel, false, $"403:{channel}:Publishing is by the server only"),
        };
    }

    /// <summary>
    /// The long poll: waits for data for the client (or the timeout), then the connect reply followed
    /// by that data. A node that is stopping answers at once, as if the time were up: its host
    /// waits for every request in flight (30 s), and the client connects again, to another node.
    /// </summary>
    public async Task<List<JsonObject>> ConnectAsync(JsonObject message, CancellationToken ct)
    {
        if (clients.Find(Text(message["clientId"])) is not { } client)
        {
            return [Reply(message, "/meta/connect", false, $"401:{message["clientId"]}:Unknown client", new JsonObject { ["reconnect"] = "handshake" })];
        }

        var data = await client.TakeAsync(options.ConnectTimeout, lifetime.ApplicationStopping, ct);
        return [Reply(message, "/meta/connect", true, advice: Advice()), .. data];
    }

    private async Task<JsonObject> HandshakeAsync(JsonObject message)
    {
        if (await channels.AuthenticateAsync(message["ext"] as JsonObject) is not { } principal)
        {
            return Reply(message, "/meta/handshake", false, "401::Authentication required: ext.token (a visitor token) or ext.apiKey", new JsonObject { ["reconnect"] = "none" });
        }

        var client = clients.Add(principal);
        var reply = Reply(message, "/meta/handshake", true, advice: Advice());
        reply["clientId"] = client.Id;
        reply["version"] = "1.0";
        reply["supportedConnectionTypes"] = new JsonArray([.. ConnectionTypes.Select(t => JsonValue.Create(t))]);
        return reply;
    }

    private async Task<JsonObject> SubscribeAsync(BayeuxClient client, JsonObject message, CancellationToken ct)
    {
        var subscriptions = Subscriptions(message);
        // Credentials on a subscribe must still be the client's own.
        if (message["ext"] is JsonObject ext && ext.Count > 0
            && (await channels.AuthenticateAsync(ext))?.Identity?.Name is var name && name != client.Principal.Identity?.Name)
        {
            return WithSubscription(Reply(message, "/meta/subscribe", false, $"401:{string.Join(',', subscriptions)}:Credentials do not match the client"), message);
        }

        foreach (var subscription in subscriptions)
        {
            if (!await channels.MayHearAsync(client.Principal, subscription, ct))
            {
                return WithSubscription(Reply(message, "/meta/subscribe", false, $"403:{subscription}:Forbidden channel"), message);
            }
        }

        subscriptions.ForEach(s => client.Subscriptions[s] = 0);
        return WithSubscription(Reply(message, "/meta/subscribe", true), message);
    }

    private static JsonObject Unsubscribe(BayeuxClient client, JsonObject message)
    {
        Subscriptions(message).ForEach(s => client.Subscriptions.TryRemove(s, out _));
        return WithSubscription(Reply(message, "/meta/unsubscribe", true), message);
    }

    private JsonObject Disconnect(BayeuxClient client, JsonObject message)
    {
        clients.Remove(client.Id);
        return Reply(message, "/meta/disconnect", true);
    }

    /// <summary>A field's text; null when it is missing or not a string (a client's bad input is refused, never a crash).</summary>
    internal static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static List<string> Subscriptions(JsonObject message) => message["subscription"] switch
    {
        JsonArray many => [.. many.Select(s => Text(s) ?? "")],
        var one => [Text(one) ?? ""],
    };

    private JsonObject Advice() => new()
    {
        ["reconnect"] = "retry",
        ["interval"] = (long)options.Interval.TotalMilliseconds,
        ["timeout"] = (long)options.ConnectTimeout.TotalMilliseconds,
    };

    private static JsonObject WithSubscription(JsonObject reply, JsonObject message)
    {
        reply["subscription"] = message["subscription"]?.DeepClone();
        return reply;
    }

    private static JsonObject Reply(JsonObject message, string channel, bool successful, string? error = null, JsonObject? advice = null)
    {
        var reply = new JsonObject { ["channel"] = channel, ["successful"] = successful };
        if (message["clientId"] is { } clientId)
        {
            reply["clientId"] = clientId.DeepClone();
        }

        if (message["id"] is { } id)
        {
            reply["id"] = id.DeepClone();
        }

        if (error is not null)
        {
            reply["error"] = error;
        }

        if (advice is not null)
        {
            reply["advice"] = advice;
        }

        return reply;
    }
}
