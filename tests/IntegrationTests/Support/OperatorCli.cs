using EventSourced.Api.Operator;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The operator command line run in-process against a test database (with the test hosts' key-encryption key), its output captured.</summary>
public static class OperatorCli
{
    public static Task<(int Code, string Output)> RunAsync(string connectionString, params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["ConnectionStrings:EventStore"] = connectionString, ["EventStore:KeyEncryptionKey"] = ApiProcess.KeyEncryptionKey }, args);

    public static async Task<(int Code, string Output)> RunAsync(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        var code = await OperatorCommandLine.RunAsync(args, settings, output);
        return (code, output.ToString());
    }
}
