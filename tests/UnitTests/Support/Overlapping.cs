namespace EventSourced.TestSupport;

/// <summary>
/// Two actions run at once, on two threads, for tests of what must hold whichever comes first.
/// They only overlap now and then (on a busy machine less often), so a test tries many times, and
/// the second starts a little later on each try, across the time the first takes.
/// </summary>
public static class Overlapping
{
    public static void Run(int attempt, Action onAnotherThread, Action here)
    {
        using var start = new Barrier(2);
        var other = new Thread(() =>
        {
            start.SignalAndWait();
            onAnotherThread();
        });
        other.Start();
        start.SignalAndWait();
        Thread.SpinWait(attempt % 200);
        here();
        other.Join();
    }
}
