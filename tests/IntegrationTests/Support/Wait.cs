namespace EventSourced.IntegrationTests.Support;

public static class Wait
{
    /// <summary>How long a test waits (with Task.WaitAsync) for something it expects before it fails; never a sleep.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
}
