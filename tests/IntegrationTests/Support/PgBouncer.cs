using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Debian's PgBouncer (scripts/pgbouncer-up.sh installs it) in front of the tests' PostgreSQL, on a
/// free loopback port, in the pool mode the test names, with its stock settings but for the pool
/// sizes and the authentication; ended when disposed.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly ConcurrentQueue<string?> _log = new();

    private PgBouncer(Process process, DirectoryInfo directory, int port) => (_process, _directory, Port) = (process, directory, port);

    public static string ExecutablePath => Environment.GetEnvironmentVariable("PGBOUNCER_PATH") ?? "/usr/sbin/pgbouncer";

    public int Port { get; }

    /// <param name="poolMode">session, transaction or statement.</param>
    public static async Task<PgBouncer> StartAsync(string poolMode)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No PgBouncer at {ExecutablePath}: run scripts/pgbouncer-up.sh as root (Debian's pgbouncer package), or set PGBOUNCER_PATH.");
        }

        var server = new NpgsqlConnectionStringBuilder(TestDatabase.Server);
        var port = Loopback.FreePort();
        // Not CreateTempSubdirectory's private mode: started as root, PgBouncer runs as postgres
        // (--user), which must read what is written here.
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"pgbouncer-{Guid.NewGuid():N}"));
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "users.txt"), $"\"{server.Username}\" \"{server.Password}\"\n");
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "pgbouncer.ini"), $"""
            [databases]
            * = host={server.Host} port={server.Port}
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {directory.FullName}/users.txt
            pool_mode = {poolMode}
            ; A node's pools open more connections than the default 20 a database.
            default_pool_size = 100
            max_client_conn = 500
            """);
        // Its log is its standard error, kept to say why it ended, if it does.
        var start = new ProcessStartInfo(ExecutablePath) { UseShellExecute = false, RedirectStandardError = true };
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("--user=postgres");
        }

        start.ArgumentList.Add(Path.Combine(directory.FullName, "pgbouncer.ini"));
        var pooler = new PgBouncer(ChildProcesses.Start(start), directory, port);
        pooler._process.ErrorDataReceived += (_, line) => pooler._log.Enqueue(line.Data);
        pooler._process.BeginErrorReadLine();
        try
        {
            await Eventually.HoldsAsync(pooler.ListensAsync, $"PgBouncer to listen on {port}");
            return pooler;
        }
        catch
        {
            await pooler.DisposeAsync();
            throw;
        }
    }

    /// <summary>The test database's connection string, through this pooler.</summary>
    public string ConnectionStringTo(TestDatabase database) => database.ConnectionStringThrough(Port);

    public async ValueTask DisposeAsync()
    {
        await ChildProcesses.EndAsync(_process);
        _directory.Delete(recursive: true);
    }

    // A refused or slow connection is "not yet" (to Eventually); a process that ended will not listen, and says why in its log.
    private async Task<bool> ListensAsync()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"PgBouncer exited with {_process.ExitCode}: {string.Join('\n', _log)}");
        }

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port).WaitAsync(TimeSpan.FromSeconds(2));
        return true;
    }
}
