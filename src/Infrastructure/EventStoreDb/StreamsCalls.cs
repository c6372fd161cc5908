using System.Net;
using System.Runtime.CompilerServices;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Grpc.Core;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// EventStoreDB's Streams calls through the client Grpc.Tools generates: the connection string's
/// credentials and deadline on each, sent to the node <see cref="ClusterNodes"/> picks, tried again
/// on another node when a cluster's node is not the leader or is lost, and the client's errors as
/// <see cref="EventStoreDbException"/>. Trying an append again is safe: it always carries an exact
/// expectation, so one that went through the first time fails the second, and the adapter then
/// finds its events and answers with their first result (no duplicate).
/// </summary>
internal sealed class StreamsCalls(ClusterNodes nodes, EventStoreDbConnectionString settings)
{
    /// <summary>The options message, then the proposed events; the server's one answer.</summary>
    public Task<AppendResp> AppendAsync(IReadOnlyList<AppendReq> requests, CancellationToken ct) =>
        WithFailoverAsync("Append", write: true, client => AppendOnceAsync(client, requests, ct), ct);

    /// <summary>A read, within the deadline: all its answers.</summary>
    public Task<List<ReadResp>> ReadAsync(ReadReq request, CancellationToken ct) =>
        WithFailoverAsync("Read", write: false, async client =>
        {
            using var call = client.Read(request, Options(settings, settings.DefaultDeadline, ct));
            var responses = new List<ReadResp>();
            while (await call.ResponseStream.MoveNext(ct))
            {
                responses.Add(call.ResponseStream.Current);
            }

            return responses;
        }, ct);

    /// <summary>
    /// A subscription: no deadline, the answers as they come until the server or the caller ends
    /// it. A transient end makes the next subscription ask the cluster again.
    /// </summary>
    public async IAsyncEnumerable<ReadResp> SubscribeAsync(ReadReq request, [EnumeratorCancellation] CancellationToken ct)
    {
        var client = new Streams.StreamsClient(await nodes.ChannelAsync(write: false, ct));
        using var call = client.Read(request, Options(settings, null, ct));
        while (true)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(ct))
                {
                    yield break;
                }
            }
            catch (RpcException e)
            {
                var error = Translated("Read", e, ct);
                if (error is EventStoreDbException { IsTransient: true })
                {
                    nodes.Rediscover();
                }

                throw error;
            }

            yield return call.ResponseStream.Current;
        }
    }

    /// <summary>Each call's options: the credentials, and the deadline (none: a subscription).</summary>
    internal static CallOptions Options(EventStoreDbConnectionString settings, TimeSpan? deadline, CancellationToken ct)
    {
        var headers = new Metadata();
        if (settings.Authorization is { } authorization)
        {
            headers.Add("authorization", authorization.ToString());
        }

        return new CallOptions(headers, deadline is { } d ? DateTime.UtcNow + d : null, ct);
    }

    private async Task<AppendResp> AppendOnceAsync(Streams.StreamsClient client, IReadOnlyList<AppendReq> requests, CancellationToken ct)
    {
        using var call = client.Append(Options(settings, settings.DefaultDeadline, ct));
        try
        {
            foreach (var request in requests)
            {
                await call.RequestStream.WriteAsync(request, ct);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // The call ended before it took everything (the server answered early, or the connection
            // went): its status, awaited below, says why.
        }

        return await call.ResponseAsync;
    }

    private async Task<T> WithFailoverAsync<T>(string name, bool write, Func<Streams.StreamsClient, Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var client = new Streams.StreamsClient(await nodes.ChannelAsync(write, ct));
            try
            {
                return await call(client);
            }
            catch (RpcException e) when (nodes.IsCluster && attempt < settings.MaxDiscoverAttempts && !ct.IsCancellationRequested && Redirected(e))
            {
                // Another node, or the same one found again: try there.
            }
            catch (RpcException e)
            {
                throw Translated(name, e, ct);
            }
        }
    }

    /// <summary>Whether another node may take the call, after pointing <see cref="nodes"/> at it.</summary>
    private bool Redirected(RpcException e)
    {
        if (e.StatusCode == StatusCode.NotFound && e.Trailers.GetValue("exception") == "not-leader"
            && e.Trailers.GetValue("leader-endpoint-host") is { } host && int.TryParse(e.Trailers.GetValue("leader-endpoint-port"), out var port))
        {
            nodes.LeaderIs(new DnsEndPoint(host, port));
            return true;
        }

        // Lost, not ready, or a node that knows no leader (an election under way).
        if (e.StatusCode is StatusCode.Unavailable or StatusCode.Unknown || EventStoreDbException.ConnectionDropped(e))
        {
            nodes.Rediscover();
            return true;
        }

        return false;
    }

    // A caller that gave up sees OperationCanceledException, as from every other store call; the
    // client's own option for that would turn a missed deadline into one too.
    private static Exception Translated(string call, RpcException e, CancellationToken ct) =>
        e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested ? new OperationCanceledException(e.Message, e, ct) : EventStoreDbException.From(call, e);
}
