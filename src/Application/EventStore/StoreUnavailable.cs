using System.Data.Common;

namespace EventSourced.Application.EventStore;

/// <summary>A backend's own failure (not a database driver's), saying whether trying again may succeed.</summary>
public interface IStoreFault
{
    bool IsTransient { get; }
}

/// <summary>
/// Whether a failure is the store being away for now: refused, cut, timed out, stopping, starting,
/// failing over, or taking no writes. It says nothing of the request or the event at hand, so the
/// API answers 503, a saga step waits, a projection resumes from its checkpoint rather than
/// parking an event, and a starting node waits. One rule for all of them: each had its own, and
/// none knew a failover.
/// </summary>
public static class StoreUnavailable
{
    // A write refused by a server in recovery or read-only: the old primary a failover demoted,
    // or a standby an address still points at. The same statement succeeds on the primary.
    // (Npgsql counts a server stopping, crashing or starting, 57P01-03, as transient itself.)
    private const string ReadOnlySqlTransaction = "25006";

    // Npgsql, given several hosts, when every one answered and none was the kind asked for (the
    // standby not yet promoted). It has no SQL state and wraps nothing, so only its text tells.
    private const string NoSuitableHost = "No suitable host was found.";

    public static bool Is(Exception exception) => exception switch
    {
        DbException { IsTransient: true } or IStoreFault { IsTransient: true } or TimeoutException => true,
        DbException { SqlState: ReadOnlySqlTransaction } => true,
        DbException { Message: NoSuitableHost, InnerException: null } => true,
        // Npgsql's "unable to connect to a suitable host" holds each host's failure.
        AggregateException all => all.InnerExceptions.Any(Is),
        _ => exception.InnerException is { } inner && Is(inner),
    };
}
