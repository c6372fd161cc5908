namespace EventSourced.IntegrationTests.Support;

public static class Wait
{
    /// <summary>How long a test waits (with Task.WaitAsync) for something it expects before it fails; never a sleep.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
}

public static class Eventually
{
    /// <summary>Checks a condition until it holds (failing after <see cref="Wait.Patience"/>): a wait for state, never a fixed sleep.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, string what) => HoldsAsync(condition, what, Wait.Patience);

    /// <summary>The same with a patience of its own, for what is known to take longer.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
