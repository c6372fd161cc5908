using EventSourced.Application.EventStore;
using Grpc.Core;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// A call to EventStoreDB that ended in an error status. Transient ones (unavailable, deadline
/// exceeded, resource exhausted, aborted, or a call cut short) are worth retrying; the API answers
/// them with 503.
/// </summary>
public sealed class EventStoreDbException(StatusCode status, string message, string? serverException = null, Exception? inner = null, bool cutShort = false)
    : Exception($"EventStoreDB: {status}: {message}", inner), IStoreFault
{
    // HTTP/2 error codes (RFC 9113, section 7).
    private const long NoError = 0x0;
    private const long InternalError = 0x2;

    public StatusCode Status { get; } = status;

    /// <summary>The server's own error kind from the "exception" trailer (for example stream-deleted), if any.</summary>
    public string? ServerException { get; } = serverException;

    /// <summary>
    /// The call ended without the server's answer, reported as Internal: its connection dropped (a
    /// node going down), or the client tore it down at its deadline (grpc-dotnet#1547).
    /// </summary>
    public bool CutShort { get; } = cutShort;

    public bool IsTransient => CutShort || Status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted;

    /// <summary>The client's error, named after the call, with the server's error kind kept.</summary>
    public static EventStoreDbException From(string call, RpcException e) =>
        new(e.StatusCode, $"{call}: {e.Status.Detail}", e.Trailers.GetValue("exception"), e,
            ConnectionDropped(e) || e is { StatusCode: StatusCode.Internal, Status.DebugException: ObjectDisposedException });

    /// <summary>
    /// A node going down closes its connections (HTTP/2 GOAWAY, NO_ERROR) or resets the calls on
    /// them (INTERNAL_ERROR), and a call caught so fails as Internal with that inside: the node is
    /// lost, it did not answer. Not so a failed TLS handshake or a protocol error, Internal too:
    /// they stay as they are however often the call is made again.
    /// </summary>
    public static bool ConnectionDropped(RpcException e) =>
        e.StatusCode == StatusCode.Internal
        && e.Status.DebugException is HttpRequestException { InnerException: HttpProtocolException { ErrorCode: NoError or InternalError } };
}
