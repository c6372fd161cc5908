namespace EventSourced.TestSupport;

public static class Repository
{
    /// <summary>The checkout's root: the folder above the test binaries that holds EventSourced.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EventSourced.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EventSourced.sln not found above the test binaries.");
    }
}
