using System.Diagnostics;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The machine's PostgreSQL cluster that scripts/postgres-up.sh started as root, which a fault test may stop and start.</summary>
public static class PostgresCluster
{
    /// <summary>Why the cluster cannot be handled from here (restarted, or given SQL as its superuser), or null when it can.</summary>
    public static string? CannotHandle => Environment.UserName != "root"
        ? "restarting PostgreSQL, or running SQL as its superuser, needs root (scripts/test.sh runs as root in CI)"
        : Cluster() is null ? "no pg_lsclusters cluster on this machine" : null;

    public static Task StopAsync() => CtlAsync("stop", "-m", "fast");

    /// <summary>
    /// psql as the superuser postgres on the connection string's database, as another role than the
    /// service's: started, not awaited, under <paramref name="applicationName"/>. The caller ends it.
    /// </summary>
    public static Process StartSuperuserSql(string connectionString, string sql, string applicationName)
    {
        var target = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-u", "postgres", "--", "psql", "-X", "-q", "-p", $"{target.Port}", "-d", target.Database!, "-c", sql })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PGAPPNAME"] = applicationName;
        var process = ChildProcesses.Start(start);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static Task StartAsync() => CtlAsync("start");

    private static Task CtlAsync(params string[] action)
    {
        var (version, name) = Cluster() ?? throw new InvalidOperationException("No cluster.");
        return ChildProcesses.RunAsync("pg_ctlcluster", [version, name, .. action]);
    }

    private static (string Version, string Name)? Cluster()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_lsclusters", "-h") { RedirectStandardOutput = true })!;
            var first = process.StandardOutput.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            process.WaitForExit();
            return first is { Length: >= 2 } ? (first[0], first[1]) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
