using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EventSourced.Api.Health;

/// <summary>
/// /health/live: the process answers (restart it if not). /health/ready: the database answers,
/// every read model serves and, on delivery nodes, the bus is connected (send it traffic if so). Both anonymous, for load balancers and orchestrators.
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
        }).AllowAnonymous();
        return routes;
    }

    private sealed class DatabaseCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (NpgsqlException e)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", e);
            }
        }
    }

    private sealed class ReadModelsCheck(Projections.Runner.ProjectionStatusQueries status) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var serving = await status.ServingAsync(cancellationToken);
                var missing = status.Registered.Select(p => p.Name).Where(n => !serving.Contains(n)).ToList();
                return missing.Count == 0
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"Not serving yet: {string.Join(", ", missing)}.");
            }
            catch (NpgsqlException e)
            {
                // Also on a fresh store, before the projection schema exists.
                return HealthCheckResult.Unhealthy("Projection status cannot be read.", e);
            }
        }
    }
}
