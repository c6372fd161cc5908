namespace EventSourced.Benchmarks;

/// <summary>
/// CPU time this machine spent busy (every process: the API, PostgreSQL, the mock broker), read
/// from /proc/stat. CPU per record holds steadier than a rate on a shared machine: other tenants
/// take turns on the cores, which stretches the wall clock more than the work done.
/// </summary>
internal static class MachineCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, the unit of /proc/stat on Linux.

    /// <summary>Busy CPU seconds since boot; 0 where /proc/stat cannot be read.</summary>
    public static double BusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return 0;
        }

        // cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait are busy.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(long.Parse).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / TicksPerSecond;
    }

    /// <summary>Busy CPU µs for each of <paramref name="count"/> things done since <paramref name="busySince"/> was read.</summary>
    public static double MicrosecondsEach(double busySince, long count) => (BusySeconds() - busySince) * 1e6 / count;
}
