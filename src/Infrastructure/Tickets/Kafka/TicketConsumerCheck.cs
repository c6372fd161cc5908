using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>Readiness of a node consuming the seller's topics: its lag per partition and the dead-letter count, and not ready once the consumer has stopped.</summary>
public sealed class TicketConsumerCheck(KafkaConsumerState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lag = string.Join(", ", state.Lag.OrderBy(l => l.Key).Select(l => $"{l.Key.Topic}/{l.Key.Partition} {l.Value}"));
        var description = $"lag: {(lag.Length == 0 ? "no partitions assigned" : lag)}; dead letters: {state.DeadLetters}";
        return Task.FromResult(state.Stopped is { } why
            ? HealthCheckResult.Unhealthy($"The consumer stopped ({why}); {description}")
            : HealthCheckResult.Healthy(description));
    }
}
