using EventSourced.Application;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Deploys;

public sealed record DeployRow(string Application, string Environment, string Version, string Status, string? Comment, IReadOnlyList<string> TicketKeys, string Source, DateTimeOffset ReportedAt, long Position);

/// <summary>Reads the deploys read model (rm.deploys), newest first.</summary>
public sealed class DeployQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    private const string Columns = "application, environment, version, status, comment, ticket_keys, source, reported_at, position";

    /// <summary>The timeline, optionally of one application and/or environment, or of the deploys that mention a ticket.</summary>
    /// <param name="beforePosition">Pages back: only deploys reported before this position (the last one listed).</param>
    public Task<IReadOnlyList<DeployRow>> TimelineAsync(string? application, string? environment, string? ticket, int limit, long? beforePosition, CancellationToken ct) =>
        QueryAsync($"""
            SELECT {Columns} FROM rm.deploys
            WHERE ($1::text IS NULL OR application = $1) AND ($2::text IS NULL OR environment = $2) AND ($3::text IS NULL OR ticket_keys @> ARRAY[$3])
              AND ($5::bigint IS NULL OR position < $5)
            ORDER BY position DESC LIMIT $4
            """, ct, application, environment, ticket, limit, beforePosition);

    /// <summary>The latest status of each environment of an application.</summary>
    public Task<IReadOnlyList<DeployRow>> CurrentAsync(string application, CancellationToken ct) =>
        QueryAsync($"""
            SELECT DISTINCT ON (environment) {Columns} FROM rm.deploys
            WHERE application = $1 ORDER BY environment, position DESC
            """, ct, application);

    private Task<IReadOnlyList<DeployRow>> QueryAsync(string sql, CancellationToken ct, params object?[] parameters) =>
        dataSource.QueryAsync(sql, r => new DeployRow(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
            r.GetFieldValue<string[]>(5), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.GetInt64(8)), ct, parameters);
}
