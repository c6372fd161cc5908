using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EventSourced.Api.Health;

/// <summary>
/// /health/live: the process answers (restart it if not). /health/ready: the database answers and takes writes,
/// every read model serves and none is stuck behind (Health:MaxProjectionLag, 5 min) and, on
/// delivery nodes, the bus is connected and a RabbitMQ broker accepts connections (send it
/// traffic if so); its JSON says which check failed. Both anonymous, for load balancers and orchestrators.
/// </summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<ReadModelsCheck>("read-models", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        routes.MapHealthChecks("/health/ready", new()
        {
            Predicate = c => c.Tags.Contains("ready"),
            // The bus reports a lost broker connection as degraded: not ready for traffic either.
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
            ResponseWriter = WriteReportAsync,
        }).AllowAnonymous();
        return routes;
    }

    private static TimeSpan MaxProjectionLag(IConfiguration configuration) => configuration.GetValue("Health:MaxProjectionLag", TimeSpan.FromMinutes(5));

    // Each check's status and why, so that whoever is paged sees what is not ready.
    private static Task WriteReportAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    private sealed class DatabaseCheck(NpgsqlDataSource dataSource, IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                // A transaction left open holds back the horizon below which $all is read (ADR 0007):
                // every subscription, so every projection, waits for it. Another role's start time is
                // hidden from ours (an autovacuum worker's too, which takes transaction ids): those are
                // left to the read models' lag, or seen by granting the role pg_read_all_stats.
                // And a server that takes no writes (a standby an address points at, a database set
                // read-only) would have the node refuse every command (ADR 0046).
                await using var command = dataSource.CreateCommand("""
                    SELECT current_setting('transaction_read_only') = 'on', oldest.pid, oldest.age
                    FROM (SELECT 1) AS here LEFT JOIN LATERAL (
                        SELECT pid, extract(epoch FROM now() - xact_start)::float8 AS age FROM pg_stat_activity
                        WHERE datname = current_database() AND backend_xid IS NOT NULL AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
                        ORDER BY xact_start LIMIT 1) AS oldest ON true
                    """);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                if (reader.GetBoolean(0))
                {
                    return HealthCheckResult.Unhealthy(
                        "PostgreSQL takes no writes here (a standby, or a database set read-only). Point the node at the primary: "
                        + "with several hosts, Target Session Attributes=primary.");
                }

                var limit = MaxProjectionLag(configuration);
                if (!reader.IsDBNull(2) && reader.GetDouble(2) > limit.TotalSeconds)
                {
                    return HealthCheckResult.Unhealthy($"A transaction open for {reader.GetDouble(2):F0} s (pid {reader.GetInt32(1)}) holds back every projection.");
                }

                return HealthCheckResult.Healthy();
            }
            catch (NpgsqlException e)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", e);
            }
        }
    }

    private sealed class ReadModelsCheck(Projections.Runner.ProjectionStatusQueries status, IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var waiting = await status.WaitingAsync(cancellationToken);
                var missing = status.Registered.Select(p => p.Name).Where(n => !waiting.ContainsKey(n)).ToList();
                if (missing.Count > 0)
                {
                    return HealthCheckResult.Unhealthy($"Not serving yet: {string.Join(", ", missing)}.");
                }

                // A projection far behind serves answers that old: stuck (a lock, a stopped runner) rather than busy.
                var limit = MaxProjectionLag(configuration);
                var behind = waiting.Where(w => w.Value.Behind > limit).Select(w => w.Value.BuildingVersion is { } version
                    ? $"{w.Key} (its version {version}, being built, has not moved on for {w.Value.Behind.TotalSeconds:F0} s)"
                    : $"{w.Key} {w.Value.Behind.TotalSeconds:F0} s").ToList();
                return behind.Count == 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"Behind by more than {limit.TotalSeconds:F0} s: {string.Join(", ", behind)}.");
            }
            catch (NpgsqlException e)
            {
                // Also on a fresh store, before the projection schema exists.
                return HealthCheckResult.Unhealthy("Projection status cannot be read.", e);
            }
        }
    }
}
