using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

public static class Wait
{
    /// <summary>
    /// How much longer than on an idle machine the tests wait: TEST_PATIENCE_SCALE if set, else
    /// one plus the load per core when the suite starts (a 2-core machine running 4 busy loops
    /// beside the suite waits about three times as long). Only how long a test waits grows; what
    /// it waits for stays the same.
    /// </summary>
    public static readonly double Scale = ReadScale();

    /// <summary>How long a test waits for something it expects before it fails; never a sleep.</summary>
    public static readonly TimeSpan Patience = Scaled(TimeSpan.FromSeconds(30));

    /// <summary>A wait or time bound of a test, stretched for a busy machine.</summary>
    public static TimeSpan Scaled(TimeSpan idle) => idle * Scale;

    private static double ReadScale()
    {
        if (double.TryParse(Environment.GetEnvironmentVariable("TEST_PATIENCE_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var set) && set > 0)
        {
            return set;
        }

        try
        {
            var load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
            return Math.Clamp(1 + (load / Environment.ProcessorCount), 1, 6);
        }
        catch (IOException)
        {
            return 1;
        }
    }
}

public static class Eventually
{
    /// <summary>Checks a condition until it holds (failing after <see cref="Wait.Patience"/>): a wait for state, never a fixed sleep.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, string what) => HoldsAsync(condition, what, Wait.Patience);

    /// <summary>
    /// The same with a patience of its own, for what is known to take longer. A probe that fails
    /// the way a busy or restarting service does (refused, timed out, reset, a database away)
    /// counts as "not yet", and so does one still unanswered when the patience runs out; the
    /// failure then says what the last probe saw. <paramref name="poll"/> (10 ms by default) is the
    /// pause between probes, longer where each probe costs what is being measured.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan patience, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + patience;
        var lastSeen = "the condition did not hold";
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            Task<bool>? probe = null;
            try
            {
                probe = condition();
                if (await probe.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero))
                {
                    return;
                }

                lastSeen = "the condition did not hold";
            }
            catch (TimeoutException) when (probe is { IsCompleted: false })
            {
                // Cut by the patience's end: what the probes before it saw says more.
                lastSeen += " (and a probe was still unanswered at the end)";
            }
            catch (Exception e) when (IsNotYet(e))
            {
                lastSeen = $"{e.GetType().Name}: {e.Message}";
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {patience.TotalSeconds:F0} s; last probe: {lastSeen}.");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(10));
        }
    }

    private static bool IsNotYet(Exception e) => e is TimeoutException or TaskCanceledException or HttpRequestException or SocketException or IOException
        || (e is NpgsqlException npgsql && npgsql.IsTransient);
}
