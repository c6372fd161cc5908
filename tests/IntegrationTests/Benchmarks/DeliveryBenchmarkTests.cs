using System.Diagnostics;
using EventSourced.IntegrationTests.Support;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Benchmarks;

/// <summary>
/// The delivery benchmark composes a host of its own, so a change to what the service needs can
/// break it without breaking the service: from ADR 0036 on it lost every delivery, unseen for a
/// day. This runs it small, as built with the tests, so that such a change fails here.
/// </summary>
public sealed class DeliveryBenchmarkTests
{
    // Built before the tests (a project reference of theirs), in their configuration.
    private static readonly string Benchmarks = Path.Combine(
        Repository.Root, "tests", "Benchmarks", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0");

    [Fact]
    public async Task The_delivery_benchmark_delivers_every_delivery_once()
    {
        File.Exists(Path.Combine(Benchmarks, "EventSourced.Benchmarks.dll")).Should().BeTrue($"the tests' build puts the benchmarks in {Benchmarks}");
        var start = new ProcessStartInfo("dotnet", ["EventSourced.Benchmarks.dll", "deliveries", "100"])
        {
            WorkingDirectory = Benchmarks,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The server the tests make their databases on; the benchmark makes and drops its own there.
        start.Environment["ConnectionStrings__EventStore"] = TestDatabase.Server;
        using var benchmark = ChildProcesses.Start(start);
        try
        {
            var output = benchmark.StandardOutput.ReadToEndAsync();
            var error = benchmark.StandardError.ReadToEndAsync();
            // Its warm-up alone is 1,000 deliveries.
            await benchmark.WaitForExitAsync().WaitAsync(Wait.Patience * 4);
            var printed = await output;
            benchmark.ExitCode.Should().Be(0, $"it exits 1 when a delivery is lost or sent twice (stdout: {printed[^Math.Min(2000, printed.Length)..]}, stderr: {await error})");
            printed.Should().Contain("lost: 0, delivered twice: 0");
        }
        finally
        {
            await ChildProcesses.EndAsync(benchmark);
        }
    }
}
