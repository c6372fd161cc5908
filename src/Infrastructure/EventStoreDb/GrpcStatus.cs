namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>gRPC status codes, as they arrive in the grpc-status trailer.</summary>
public enum GrpcStatusCode
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>
/// A call to EventStoreDB that ended in an error status. Transient ones (unavailable, deadline
/// exceeded, resource exhausted, aborted) are worth retrying; the API answers them with 503.
/// </summary>
public sealed class EventStoreDbException(GrpcStatusCode status, string message, string? serverException = null)
    : Exception($"EventStoreDB: {status}: {message}")
{
    public GrpcStatusCode Status { get; } = status;

    /// <summary>The server's own error kind from the "exception" trailer (for example stream-deleted), if any.</summary>
    public string? ServerException { get; } = serverException;

    public bool IsTransient => Status is GrpcStatusCode.Unavailable or GrpcStatusCode.DeadlineExceeded or GrpcStatusCode.ResourceExhausted or GrpcStatusCode.Aborted;
}
