using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.IntegrationTests.Support;

/// <summary>A delivery node whose every log line, at every level, is captured from its start.</summary>
public sealed class LoggedDeliveryApi : DeliveryApi
{
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
    }
}
