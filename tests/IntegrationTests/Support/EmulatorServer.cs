using System.Net.Http.Json;
using EventSourced.Api.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The messenger emulator as a real HTTP server on a free loopback port: the outside world of the delivery tests.</summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Where the emulator listens, for example http://127.0.0.1:41234/emulator/.</summary>
    public Uri BaseUrl { get; }

    public static async Task<EmulatorServer> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var (app, address) = await Loopback.StartAsync(
            services => services.AddMessengerEmulator().AddAuthorization().Configure<EmulatorOptions>(o => configure?.Invoke(o)),
            app => app.MapMessengerEmulator());
        return new EmulatorServer(app, new Uri(address, "/emulator/"));
    }

    public Uri Endpoint(string name) => new(BaseUrl, $"{name}/");

    public async Task<IReadOnlyList<EmulatedRequest>> ReceivedAsync(string? endpoint = null)
    {
        using var http = new HttpClient();
        return (await http.GetFromJsonAsync<List<EmulatedRequest>>(new Uri(BaseUrl, endpoint is null ? "received" : $"received?endpoint={endpoint}")))!;
    }

    /// <summary>Sets what the emulated deploy platform's status endpoint reports for one environment.</summary>
    public async Task SetEnvironmentAsync(string environmentId, string status, string version, string? comment = null)
    {
        using var http = new HttpClient();
        (await http.PutAsJsonAsync(new Uri(BaseUrl, $"platform/environments/{environmentId}"), new { status, version, comment })).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
