namespace EventSourced.IntegrationTests.Support;

public static class Wait
{
    /// <summary>How long a test waits (with Task.WaitAsync) for something it expects before it fails; never a sleep.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
}

public static class Eventually
{
    /// <summary>Checks a condition until it holds (failing after <see cref="Wait.Patience"/>): a wait for state, never a fixed sleep.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait.Patience;
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
