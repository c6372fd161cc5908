using Npgsql;

namespace EventSourced.Api.Operator;

/// <summary>
/// A database failure in one line an operator can act on, instead of the forty-line stack trace
/// System.CommandLine prints for any exception: which database answered what, and what to check.
/// </summary>
internal static class DatabaseProblems
{
    private const string Check = "Check ConnectionStrings:EventStore (the ConnectionStrings__EventStore variable).";

    /// <summary>The failure told for an operator, or null when it is not the database's.</summary>
    public static string? Explain(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } missing:
                    return $"The database has no event store yet ({missing.MessageText}): the service creates it when it starts. {Check}";
                case PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } refused:
                    return $"The database refused the connection: {refused.MessageText}. {Check}";
                case PostgresException other:
                    return $"The database refused the command: {other.SqlState}: {other.MessageText}.";
                case NpgsqlException unreachable:
                    return $"The database could not be reached or stopped answering: {unreachable.Message}{(unreachable.InnerException is { } cause ? $" ({cause.Message})" : "")}. {Check}";
            }
        }

        return null;
    }
}
