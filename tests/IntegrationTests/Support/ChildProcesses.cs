using System.Collections.Concurrent;
using System.Diagnostics;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Every process the tests start, so that none outlives the test run: each test ends its own, and
/// whatever a failed or cancelled one left behind is ended when the test host exits.
/// scripts/test.sh does the same from outside, for a test host that was itself killed.
/// </summary>
public static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    static ChildProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) => EndAll();

    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        Running[process.Id] = process;
        return process;
    }

    /// <summary>Runs a short command to its end; one that fails throws with what it wrote to stderr.</summary>
    public static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await output;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
        }
    }

    /// <summary>SIGKILL to the process and everything it started, then waits for it to be gone.</summary>
    public static async Task EndAsync(Process process)
    {
        Running.TryRemove(process.Id, out _);
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
    }

    private static void EndAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
