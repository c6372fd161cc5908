using System.Runtime.CompilerServices;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Grpc.Core;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// EventStoreDB's Streams calls through the client Grpc.Tools generates: the connection string's
/// credentials and deadline on each, and the client's errors as <see cref="EventStoreDbException"/>.
/// </summary>
internal sealed class StreamsCalls(Streams.StreamsClient client, EventStoreDbConnectionString settings)
{
    /// <summary>The options message, then the proposed events; the server's one answer.</summary>
    public async Task<AppendResp> AppendAsync(IReadOnlyList<AppendReq> requests, CancellationToken ct)
    {
        using var call = client.Append(Options(settings.DefaultDeadline, ct));
        try
        {
            foreach (var request in requests)
            {
                await call.RequestStream.WriteAsync(request, ct);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            // The server ended the call before taking everything: its status, awaited below, says why.
        }

        try
        {
            return await call.ResponseAsync;
        }
        catch (RpcException e)
        {
            throw Translated("Append", e, ct);
        }
    }

    /// <summary>A read, within the deadline: the answers as they come.</summary>
    public IAsyncEnumerable<ReadResp> ReadAsync(ReadReq request, CancellationToken ct) => CallReadAsync(request, settings.DefaultDeadline, ct);

    /// <summary>A subscription: no deadline, the answers as they come until the server or the caller ends it.</summary>
    public IAsyncEnumerable<ReadResp> SubscribeAsync(ReadReq request, CancellationToken ct) => CallReadAsync(request, null, ct);

    private async IAsyncEnumerable<ReadResp> CallReadAsync(ReadReq request, TimeSpan? deadline, [EnumeratorCancellation] CancellationToken ct)
    {
        using var call = client.Read(request, Options(deadline, ct));
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
                throw Translated("Read", e, ct);
            }

            yield return call.ResponseStream.Current;
        }
    }

    // A caller that gave up sees OperationCanceledException, as from every other store call; the
    // client's own option for that would turn a missed deadline into one too.
    private static Exception Translated(string call, RpcException e, CancellationToken ct) =>
        e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested ? new OperationCanceledException(e.Message, e, ct) : EventStoreDbException.From(call, e);

    private CallOptions Options(TimeSpan? deadline, CancellationToken ct)
    {
        var headers = new Metadata();
        if (settings.Authorization is { } authorization)
        {
            headers.Add("authorization", authorization.ToString());
        }

        return new CallOptions(headers, deadline is { } d ? DateTime.UtcNow + d : null, ct);
    }
}
