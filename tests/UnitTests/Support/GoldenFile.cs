using FluentAssertions;

namespace EventSourced.TestSupport;

/// <summary>
/// Compares text with a file kept under tests/Snapshots (our stand-in for Verify, see
/// docs/adr/0005). A change must be deliberate: rerun with UPDATE_SNAPSHOTS=1 and commit the file.
/// </summary>
public static class GoldenFile
{
    public static void ShouldMatch(string actual, string relativePath)
    {
        var path = Path.Combine(Repository.Root, "tests", "Snapshots", relativePath);
        actual = actual.ReplaceLineEndings("\n").TrimEnd() + "\n";
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        File.Exists(path).Should().BeTrue($"golden file {relativePath} must exist (create it with UPDATE_SNAPSHOTS=1)");
        actual.Should().Be(File.ReadAllText(path), $"the contract in {relativePath} changed; if deliberate, rerun with UPDATE_SNAPSHOTS=1");
    }
}
