using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Readiness of the broker itself: its AMQP port accepts a connection. MassTransit's own bus check
/// can go on reporting healthy for a while after the broker went away (seen here: over 30 s after
/// a `rabbitmqctl stop_app`), so a node would take traffic it cannot deliver.
/// </summary>
public sealed class RabbitMqBrokerCheck(Uri broker) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var port = broker.IsDefaultPort || broker.Port < 0 ? 5672 : broker.Port;
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await client.ConnectAsync(broker.Host, port, timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Host and port only: the URI carries the broker's credentials.
            return HealthCheckResult.Unhealthy($"RabbitMQ at {broker.Host}:{port} does not accept connections ({e.GetType().Name}).");
        }
    }
}
