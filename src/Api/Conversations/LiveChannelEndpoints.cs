using System.Globalization;
using System.Text;
using EventSourced.Api.Auth;
using EventSourced.Api.Http;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Conversations;
using Microsoft.Extensions.Options;

namespace EventSourced.Api.Conversations;

/// <summary>
/// Live channels as server-sent events, the chat server's Faye channels: a conversation's channel
/// (messages, read marks, hides, closing) for its participants, and a visitor's service channel
/// (the chats opened for them), and the managers' general channel (every conversation opened).
/// Each event's SSE id is its global position, so a client that
/// reconnects with Last-Event-ID resumes exactly after the last event it saw.
/// </summary>
public static class LiveChannelEndpoints
{
    private static readonly byte[] Heartbeat = ": keep-alive\n\n"u8.ToArray();

    public static IServiceCollection AddLiveChannels(this IServiceCollection services)
    {
        services.AddOptions<LiveChannelOptions>().BindConfiguration("Chat:LiveChannels")
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero, "Chat:LiveChannels:HeartbeatInterval must be positive.")
            .ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapLiveChannelEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/conversations/{id:guid}/live", ConversationAsync).WithTags("Conversations").WithName("ConversationChannel")
            .WithSummary("Server-sent events of one conversation, for its participants (and operators); resumes after Last-Event-ID.")
            .RequireAuthorization(AuthExtensions.ChatParticipant).RequireCors(ChatSites.Policy);
        routes.MapGet("/api/visitors/{visitorId}/live", VisitorAsync).WithTags("Conversations").WithName("VisitorChannel")
            .WithSummary("Server-sent events of the chats opened for a visitor, for that visitor only; resumes after Last-Event-ID.")
            .RequireAuthorization(AuthExtensions.ChatParticipant).RequireCors(ChatSites.Policy);
        routes.MapGet("/api/managers/live", ManagersAsync)
            .WithTags("Conversations").WithName("ManagersChannel")
            .WithSummary("Server-sent events of every conversation opened, with its visitor and manager, and handed to another manager; resumes after Last-Event-ID.")
            .RequireAuthorization(p => p.RequireRole(Roles.Manager, Roles.Operator));
        return routes;
    }

    private static async Task ConversationAsync(Guid id, HttpContext http, CommandHandler handler, IEventStore store, IOptions<LiveChannelOptions> options, CancellationToken ct)
    {
        var (chat, _) = await handler.LoadAsync(Conversation.Decider, Conversation.StreamId(id), ct);
        if (!chat.IsParticipant(http.Subject()) && !(http.User.IsInRole(Roles.Operator) && chat.Status != ConversationStatus.None))
        {
            await Problems.NotFoundResult($"Conversation {id} does not exist.").ExecuteAsync(http);
            return;
        }

        await StreamAsync(http, store, Conversation.StreamId(id), "conversation", options.Value, ct);
    }

    private static async Task VisitorAsync(string visitorId, HttpContext http, IEventStore store, IOptions<LiveChannelOptions> options, CancellationToken ct)
    {
        // The channel's name is the visitor id, which the caller knows already: refused, not hidden.
        if (http.Subject() != visitorId)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: Problems.Forbidden, title: $"Only visitor {visitorId} reads this channel.").ExecuteAsync(http);
            return;
        }

        await StreamAsync(http, store, VisitorChats.StreamId(visitorId), "visitor", options.Value, ct);
    }

    private static Task ManagersAsync(HttpContext http, IEventStore store, IOptions<LiveChannelOptions> options, CancellationToken ct) =>
        StreamAsync(http, store, EventFilter.ForTypes("conversation_opened", "conversation_transferred"), _ => true, options.Value, ct);

    private static async Task StreamAsync(HttpContext http, IEventStore store, string streamId, string category, LiveChannelOptions options, CancellationToken ct)
    {
        // Starting now, the start position may err early (IEventStore.LastPositionAsync): the
        // stream's own version tells what the client has not seen yet.
        var seen = -1L;
        if (LastEventId(http) is null && await store.ReadStreamAsync(streamId, ReadDirection.Backward, long.MaxValue, 1, ct) is [var latest])
        {
            seen = latest.StreamVersion;
        }

        await StreamAsync(http, store, EventFilter.ForCategory(category), e => e.StreamId == streamId && e.StreamVersion > seen, options, ct);
    }

    private static long? LastEventId(HttpContext http) =>
        long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static async Task StreamAsync(HttpContext http, IEventStore store, EventFilter filter, Func<RecordedEvent, bool> belongs, LiveChannelOptions options, CancellationToken ct)
    {
        // Without Last-Event-ID the channel starts now.
        var after = LastEventId(http) ?? await store.LastPositionAsync(ct);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // A proxy must not buffer the channel.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.Body.FlushAsync(ct);
        using var writes = new SemaphoreSlim(1, 1);
        // A node that is stopping ends its channels rather than hold its stop for the host's 30 s
        // (past a Kubernetes pod's grace period): EventSource reconnects, to another node, with
        // Last-Event-ID.
        using var channel = CancellationTokenSource.CreateLinkedTokenSource(ct, http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var heartbeats = HeartbeatsAsync(http.Response, writes, options.HeartbeatInterval, channel);
        try
        {
            await foreach (var e in store.SubscribeToAllAsync(after, filter, channel.Token))
            {
                if (!belongs(e))
                {
                    continue;
                }

                var frame = $"id: {e.Position.ToString(CultureInfo.InvariantCulture)}\nevent: {e.Type}\ndata: {e.Data.ReplaceLineEndings(" ")}\n\n";
                await WriteAsync(http.Response, writes, Encoding.UTF8.GetBytes(frame), channel.Token);
            }
        }
        catch (OperationCanceledException) when (channel.IsCancellationRequested)
        {
            // The client went away, a heartbeat could not be written to it, or the node is stopping.
        }
        finally
        {
            await channel.CancelAsync();
            await heartbeats;
        }
    }

    /// <summary>A comment line every interval until the channel ends; a write that fails ends the channel.</summary>
    private static async Task HeartbeatsAsync(HttpResponse response, SemaphoreSlim writes, TimeSpan interval, CancellationTokenSource channel)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(channel.Token))
            {
                await WriteAsync(response, writes, Heartbeat, channel.Token);
            }
        }
        catch (OperationCanceledException) when (channel.IsCancellationRequested)
        {
            // The channel ended.
        }
        catch (IOException)
        {
            await channel.CancelAsync();
        }
    }

    /// <summary>One frame, flushed at once; never two at a time, since events and heartbeats share the response.</summary>
    private static async Task WriteAsync(HttpResponse response, SemaphoreSlim writes, byte[] frame, CancellationToken ct)
    {
        await writes.WaitAsync(ct);
        try
        {
            await response.Body.WriteAsync(frame, ct);
            await response.Body.FlushAsync(ct);
        }
        finally
        {
            writes.Release();
        }
    }
}
