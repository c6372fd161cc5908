using Grpc.Core;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// A call to EventStoreDB that ended in an error status. Transient ones (unavailable, deadline
/// exceeded, resource exhausted, aborted) are worth retrying; the API answers them with 503.
/// </summary>
public sealed class EventStoreDbException(StatusCode status, string message, string? serverException = null, Exception? inner = null)
    : Exception($"EventStoreDB: {status}: {message}", inner)
{
    public StatusCode Status { get; } = status;

    /// <summary>The server's own error kind from the "exception" trailer (for example stream-deleted), if any.</summary>
    public string? ServerException { get; } = serverException;

    public bool IsTransient => Status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted;

    /// <summary>The client's error, named after the call, with the server's error kind kept.</summary>
    public static EventStoreDbException From(string call, RpcException e) =>
        new(e.StatusCode, $"{call}: {e.Status.Detail}", e.Trailers.GetValue("exception"), e);
}
