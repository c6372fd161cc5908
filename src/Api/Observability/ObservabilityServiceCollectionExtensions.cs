using System.Diagnostics;
using EventSourced.Application;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EventSourced.Api.Observability;

/// <summary>
/// Meters and traces through OpenTelemetry: the product's own (appends, command time, projection
/// lag, delivery attempts), MassTransit's, Npgsql's, the .NET runtime's, and ASP.NET Core's and
/// HttpClient's. Exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (configuration or
/// environment); collected either way.
/// </summary>
public static class ObservabilityServiceCollectionExtensions
{
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("eventsourced"))
            .WithMetrics(m => m
                // Npgsql's: connections in use, idle and waited for, and each command's time (a full
                // pool is the usual cause of slow commands). The runtime's: GC, thread pool queue, locks.
                .AddMeter(Telemetry.Name, "MassTransit", "Npgsql", "System.Runtime")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithTracing(t => t
                .AddSource(Telemetry.Name, "MassTransit")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = (activity, request) => Redact(activity, request)));
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    // The Telegram Bot API carries its token in the path (/bot<token>/sendMessage): traces keep the path without it.
    private static void Redact(Activity activity, HttpRequestMessage request)
    {
        if (request.RequestUri is { } uri && uri.AbsolutePath.Contains("/bot", StringComparison.Ordinal))
        {
            var path = string.Join('/', uri.AbsolutePath.Split('/').Select(s => s.StartsWith("bot", StringComparison.Ordinal) ? "bot{token}" : s));
            activity.SetTag("url.full", $"{uri.Scheme}://{uri.Authority}{path}");
            activity.SetTag("url.path", path);
        }
    }
}
