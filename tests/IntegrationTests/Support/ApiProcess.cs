using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The API as a real process (dotnet EventSourced.Api.dll) on a free loopback port, configured
/// through environment variables as an operator would: something a test can kill -9.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    /// <summary>In a setting's value, the process's own base URL (for a setting that points the node at itself).</summary>
    public const string Self = "{self}";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>What the process wrote so far, both streams, line by line (its default log level is Warning).</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>The key-encryption key test hosts wrap subjects' keys under (ADR 0030), as production should.</summary>
    public const string KeyEncryptionKey = "LeeT27436z8cK4Ag1fsxmpGFV3fqs68DMyhMlC83axQ=";

    /// <param name="patience">How long it may take to answer; <see cref="Wait.Patience"/> unless given.</param>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> settings, IReadOnlyList<(string Subject, string Role)> identities, TimeSpan? patience = null)
    {
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet", ["EventSourced.Api.dll"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The tests' own database only, from the settings: the one the run was given (where test
        // databases are made) is a developer's, and a process left to it there records the tests'
        // key-encryption key, so that the developer's own service then refuses to start.
        start.Environment.Remove("ConnectionStrings__EventStore");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["EventStore__KeyEncryptionKey"] = KeyEncryptionKey;
        for (var i = 0; i < identities.Count; i++)
        {
            start.Environment[$"Auth__ApiKeys__{i}__Hash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(KeyOf(identities[i].Subject))));
            start.Environment[$"Auth__ApiKeys__{i}__Subject"] = identities[i].Subject;
            start.Environment[$"Auth__ApiKeys__{i}__Roles__0"] = identities[i].Role;
        }

        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value.Replace(Self, baseAddress.ToString(), StringComparison.Ordinal);
        }

        var process = ChildProcesses.Start(start);
        var api = new ApiProcess(process, baseAddress);
        // Read as it comes, so the process never blocks on a full pipe.
        process.OutputDataReceived += (_, line) => api.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => api.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var probe = new HttpClient { BaseAddress = api.BaseAddress, Timeout = Wait.Scaled(TimeSpan.FromSeconds(2)) };
            await Eventually.HoldsAsync(
                async () => process.HasExited
                    ? throw new InvalidOperationException($"The API process exited with code {process.ExitCode} before it answered.")
                    : (await probe.GetAsync("/health/live")).IsSuccessStatusCode,
                "the API process to answer",
                patience ?? Wait.Patience);
            return api;
        }
        catch
        {
            // A process that never became ready is not handed to the test, so it is ended here.
            await api.DisposeAsync();
            throw;
        }
    }

    public HttpClient ClientFor(string subject)
    {
        // Bounded connections: a load that outruns the service queues here instead of exhausting sockets.
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 128 }) { BaseAddress = BaseAddress, Timeout = Wait.Patience };
        client.DefaultRequestHeaders.Add("X-Api-Key", KeyOf(subject));
        return client;
    }

    /// <summary>SIGTERM, as systemd and Kubernetes stop a service; then waits for the process to exit.</summary>
    public async Task StopAsync()
    {
        await ChildProcesses.RunAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGKILL: no shutdown, no flush, nothing finishes.</summary>
    public Task KillAsync() => ChildProcesses.EndAsync(_process);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>The API key a subject signs in with (a browser test types it).</summary>
    public static string KeyOf(string subject) => $"process-key-{subject}";
}
