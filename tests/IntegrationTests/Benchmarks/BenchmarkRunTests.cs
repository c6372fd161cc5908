using System.Diagnostics;
using EventSourced.IntegrationTests.Support;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Benchmarks;

/// <summary>
/// Every benchmark composes parts of its own, so a change to what the service needs can break one
/// without breaking the service: from ADR 0036 on the delivery benchmark lost every delivery,
/// unseen for a day, because no test ran it. This runs each mode small, as built with the tests,
/// and fails when it does not finish or does not print its figures. The figures of a run this
/// small say nothing; only their presence is checked.
/// </summary>
public sealed class BenchmarkRunTests
{
    // Built before the tests (a project reference of theirs), in their configuration.
    private static readonly string Benchmarks = Path.Combine(
        Repository.Root, "tests", "Benchmarks", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0");

    [Fact]
    public async Task The_delivery_benchmark_delivers_every_delivery_once()
    {
        // One round after one warm-up batch of 1,000 deliveries. It exits 1 when a delivery is
        // lost or sent twice.
        var printed = await RunAsync("deliveries 100 1 0");
        printed.Should().Contain("lost: 0, delivered twice: 0");
    }

    // Each mode with the line it prints once measured (the text before its figures).
    [Theory]
    [InlineData("0.3 1", "goal single 8 writers >= 0.85:")]
    [InlineData("rebuild 2000", "conversations  raw read")]
    [InlineData("lag 200 2", "command-to-read-model lag: p50")]
    [InlineData("encryption 0.3 1", "size alone, nothing encrypted (sealed size in clear, a message to 50 contacts, 8 writers):")]
    [InlineData("sealing 2000 1", " broadcast ")]
    [InlineData("snapshots 2000 1", "speed-up")]
    [InlineData("reactor 200 1", "median: read")]
    [InlineData("redelivery 200 1", "median: 200 redelivered")]
    [InlineData("compression 0.3 1", "a contact added, 8 writers")]
    [InlineData("backlog 2000 1", "6%")]
    [InlineData("chat 2000 1", "x the short chat")]
    [InlineData("http 1 2", "post chat message  at")]
    [InlineData("kafka 2000 2", "orders missing from the store: 0")]
    public async Task A_benchmark_mode_runs_to_its_figures(string arguments, string lastFigures)
    {
        var printed = await RunAsync(arguments);
        printed.Should().Contain(lastFigures);
    }

    /// <summary>The benchmark's output, once it exited 0 (it makes and drops a database of its own on the tests' server).</summary>
    private static async Task<string> RunAsync(string arguments)
    {
        File.Exists(Path.Combine(Benchmarks, "EventSourced.Benchmarks.dll")).Should().BeTrue($"the tests' build puts the benchmarks in {Benchmarks}");
        var start = new ProcessStartInfo("dotnet", ["EventSourced.Benchmarks.dll", .. arguments.Split(' ')])
        {
            WorkingDirectory = Benchmarks,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__EventStore"] = TestDatabase.Server;
        using var benchmark = ChildProcesses.Start(start);
        try
        {
            var output = benchmark.StandardOutput.ReadToEndAsync();
            var error = benchmark.StandardError.ReadToEndAsync();
            await benchmark.WaitForExitAsync().WaitAsync(Wait.Patience * 4);
            var printed = await output;
            benchmark.ExitCode.Should().Be(0, $"a benchmark that fails exits otherwise (stdout: {printed[^Math.Min(2000, printed.Length)..]}, stderr: {await error})");
            return printed;
        }
        finally
        {
            await ChildProcesses.EndAsync(benchmark);
        }
    }
}
