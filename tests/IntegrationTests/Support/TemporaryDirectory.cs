namespace EventSourced.IntegrationTests.Support;

/// <summary>A directory of the test's own files, deleted with everything in it when the test ends, pass or fail.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("es-test-");

    public string Path => _directory.FullName;

    /// <summary>Writes <paramref name="text"/> to a file of that name in the directory, and gives its path.</summary>
    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
