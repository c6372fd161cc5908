using Npgsql;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Refuses a database whose server sessions are handed from client to client: a pooler in
/// transaction or statement mode (PgBouncer's <c>pool_mode = transaction</c>, common in managed
/// offerings), or Npgsql's multiplexing. The migration, a read model's leadership and its
/// generations' writers hold session advisory locks, and nodes hear of new events by LISTEN
/// (ADR 0012): behind such a pooler a lock stays with whichever server session ran the statement,
/// so two nodes could write one read model, silently (Marten's daemon met it: marten#3988).
/// </summary>
public static class SessionPooling
{
    private const int Rounds = 3;

    /// <summary>
    /// Two connections held open at once have two sessions of their own, whose process ids never
    /// change, unless a pooler shares them out: one id on both, or a connection's id changing,
    /// proves it. An idle pooler shows it at the first round (PgBouncer hands out the server
    /// connection used last); one busy with other clients may hide it for a round, hence three.
    /// </summary>
    public static async Task EnsureOwnSessionsAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        if (new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Multiplexing)
        {
            throw new InvalidOperationException(
                "ConnectionStrings:EventStore sets Multiplexing, which shares one session among many commands; the event store "
                + "needs sessions of its own (session advisory locks, LISTEN). Remove Multiplexing from the connection string.");
        }

        await using var first = await dataSource.OpenConnectionAsync(ct);
        await using var second = await dataSource.OpenConnectionAsync(ct);
        int? firstSession = null;
        for (var round = 0; round < Rounds; round++)
        {
            var one = await SessionOfAsync(first, round, ct);
            var other = await SessionOfAsync(second, round, ct);
            firstSession ??= one;
            if (one == other || one != firstSession)
            {
                throw new InvalidOperationException(
                    $"The event store's database hands server sessions from connection to connection (PostgreSQL processes {firstSession}, then {one}, on one "
                    + $"connection of this node and {other} on the other): a pooler in transaction or statement mode is between this node and PostgreSQL. "
                    + "The event store needs a session per connection (session advisory locks, LISTEN): connect to PostgreSQL directly, "
                    + "or through PgBouncer with pool_mode = session.");
            }
        }
    }

    // Each round's text differs, so none is used often enough on a connection to be prepared:
    // a statement prepared on one server session is unknown to the next one a pooler hands out.
    private static async Task<int> SessionOfAsync(NpgsqlConnection connection, int round, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_backend_pid() /* session check {round} */", connection);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }
}
