using System.Net.Sockets;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStoreDb;
using FluentAssertions;
using Grpc.Core;
using Npgsql;

namespace EventSourced.UnitTests.EventStore;

/// <summary>
/// What counts as the store being away, from the failures PostgreSQL, Npgsql and EventStoreDB give
/// while a server stops, crashes, starts or fails over: the node then answers 503 and waits,
/// rather than answering 500 or parking a projection's event.
/// </summary>
public sealed class StoreUnavailableTests
{
    [Theory]
    [InlineData("57P01", "terminating connection due to administrator command")]
    [InlineData("57P01", "terminating connection due to unexpected postmaster exit")]
    [InlineData("57P02", "terminating connection because of crash of another server process")]
    [InlineData("57P03", "the database system is starting up")]
    [InlineData("25006", "cannot execute INSERT in a read-only transaction")]
    [InlineData("53300", "sorry, too many clients already")]
    public void A_server_stopping_starting_or_taking_no_writes_is_away(string sqlState, string message) =>
        StoreUnavailable.Is(Server(sqlState, message)).Should().BeTrue();

    [Theory]
    [InlineData("23505", "duplicate key value violates unique constraint")]
    [InlineData("42P01", "relation does not exist")]
    [InlineData("28P01", "password authentication failed for user")]
    public void A_statement_or_login_the_server_refuses_is_not(string sqlState, string message) =>
        StoreUnavailable.Is(Server(sqlState, message)).Should().BeFalse();

    [Fact]
    public void Several_hosts_none_of_them_the_primary_yet_are_away() =>
        StoreUnavailable.Is(new NpgsqlException("No suitable host was found.")).Should().BeTrue();

    [Fact]
    public void Several_hosts_each_refused_are_away() =>
        StoreUnavailable.Is(new NpgsqlException(
            "Unable to connect to a suitable host. Check inner exception for more details.",
            new AggregateException(Server("57P03", "the database system is starting up"), new NpgsqlException("Failed to connect", new SocketException(111)))))
            .Should().BeTrue();

    [Fact]
    public void Several_hosts_each_refusing_the_login_are_not() =>
        StoreUnavailable.Is(new NpgsqlException(
            "Unable to connect to a suitable host. Check inner exception for more details.",
            new AggregateException(Server("28P01", "password authentication failed"), Server("28000", "no pg_hba.conf entry"))))
            .Should().BeFalse();

    [Fact]
    public void A_failure_wrapping_one_that_is_away_is_away() =>
        StoreUnavailable.Is(new InvalidOperationException("appending", new NpgsqlException("Exception while reading from stream", new IOException("reset"))))
            .Should().BeTrue();

    [Fact]
    public void An_EventStoreDB_leader_away_is_away_and_a_refused_call_is_not()
    {
        StoreUnavailable.Is(new EventStoreDbException(StatusCode.Unavailable, "no leader")).Should().BeTrue();
        StoreUnavailable.Is(new EventStoreDbException(StatusCode.PermissionDenied, "access denied")).Should().BeFalse();
    }

    [Fact]
    public void Anything_else_is_not() =>
        StoreUnavailable.Is(new InvalidOperationException("a bug")).Should().BeFalse();

    private static PostgresException Server(string sqlState, string message) => new(message, "FATAL", "FATAL", sqlState);
}
