using System.Diagnostics;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>What pg_dump writes of a test database: every schema, table and row, as a backup would hold them.</summary>
public static class DatabaseDump
{
    public static async Task<string> OfAsync(string connectionString, params string[] schemas)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo("pg_dump") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--no-owner");
        foreach (var schema in schemas)
        {
            start.ArgumentList.Add($"--schema={schema}");
        }

        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = connection.Username;
        start.Environment["PGPASSWORD"] = connection.Password;
        start.Environment["PGDATABASE"] = connection.Database;
        var process = ChildProcesses.Start(start);
        try
        {
            using var timeout = new CancellationTokenSource(Wait.Patience);
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"pg_dump failed: {await error}");
        }
        finally
        {
            await ChildProcesses.EndAsync(process);
        }
    }
}
