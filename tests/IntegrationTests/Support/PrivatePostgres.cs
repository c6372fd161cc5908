using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// PostgreSQL servers of the test's own (initdb in a temporary directory, run as the postgres
/// user, each a child process), with a database for the service: a new server, whose
/// transaction ids start low; and, if asked, its synchronous streaming standby, for a failover:
/// the primary crashes (SIGKILL, no shutdown checkpoint) and the standby is promoted. A node
/// reaches them through one connection string naming both hosts and asking for the primary, as
/// it would a cluster that Patroni or a cloud provider fails over without moving an address.
/// The standby is synchronous, so a commit a client saw acknowledged is on it.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Binaries = "/usr/lib/postgresql/15/bin";
    private const string Database = "eventsourced_private";

    private readonly DirectoryInfo _directory;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _primary;
    private Process? _standby;

    private PrivatePostgres(DirectoryInfo directory) => _directory = directory;

    /// <summary>Why servers of the test's own cannot run here, or null when they can.</summary>
    public static string? CannotRun => Environment.UserName != "root"
        ? "servers of the test's own run as the postgres user, which needs root (scripts/test.sh runs as root in CI)"
        : !File.Exists(Tool("initdb")) ? $"no PostgreSQL 15 in {Binaries}" : null;

    public int PrimaryPort { get; } = Loopback.FreePort();

    public int StandbyPort { get; } = Loopback.FreePort();

    /// <summary>The service's connection string: with a standby, both hosts, the primary wanted, whichever it is now.</summary>
    public string ConnectionString => _standby is null
        ? $"Host=127.0.0.1;Port={PrimaryPort};Username=eventsourced;Password=eventsourced;Database={Database};SSL Mode=Disable"
        : $"Host=127.0.0.1:{PrimaryPort},127.0.0.1:{StandbyPort};Target Session Attributes=primary;Username=eventsourced;Password=eventsourced;Database={Database};SSL Mode=Disable";

    /// <summary>The primary's database as a libpq URI, for PostgreSQL's own tools.</summary>
    public string DatabaseUri => $"postgresql://eventsourced:eventsourced@127.0.0.1:{PrimaryPort}/{Database}";

    public static string Tool(string program) => Path.Combine(Binaries, program);

    /// <summary>What the servers wrote, for a failure's message.</summary>
    public string Log => string.Join('\n', _log.TakeLast(40));

    /// <param name="transactionEpoch">
    /// Where the server's 64-bit transaction ids begin, in units of 2^32: above 0, a server that
    /// has run for years (its 32-bit counter wrapped), set by pg_resetwal before it first starts.
    /// </param>
    public static async Task<PrivatePostgres> StartAsync(bool withStandby, int transactionEpoch = 0)
    {
        var cluster = new PrivatePostgres(Directory.CreateTempSubdirectory("es-private-postgres-"));
        try
        {
            await cluster.StartPrimaryAsync(transactionEpoch);
            if (withStandby)
            {
                await cluster.StartStandbyAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>This server's newest transaction id.</summary>
    public async Task<long> TransactionIdAsync()
    {
        await using var primary = await SuperuserAsync(PrimaryPort);
        return long.Parse((string)(await primary.ScalarAsync("SELECT pg_current_xact_id()::text"))!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The primary crashes (SIGKILL); the standby is left a standby until <see cref="PromoteStandbyAsync"/>.</summary>
    public Task CrashPrimaryAsync() => ChildProcesses.EndAsync(_primary!);

    /// <summary>The standby is promoted once the primary is gone, as a failover manager does.</summary>
    public async Task PromoteStandbyAsync()
    {
        await using var standby = await SuperuserAsync(StandbyPort);
        await standby.ExecuteAsync("SELECT pg_promote(wait => true)");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in new[] { _primary, _standby }.OfType<Process>())
        {
            await ChildProcesses.EndAsync(server);
        }

        _directory.Delete(recursive: true);
    }

    private string PrimaryData => Path.Combine(_directory.FullName, "primary");

    private string StandbyData => Path.Combine(_directory.FullName, "standby");

    private async Task StartPrimaryAsync(int transactionEpoch)
    {
        await ChildProcesses.RunAsync("chown", "postgres:postgres", _directory.FullName);
        await AsPostgresAsync("initdb", "-D", PrimaryData, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        if (transactionEpoch > 0)
        {
            await AsPostgresAsync("pg_resetwal", "-e", $"{transactionEpoch}", "-D", PrimaryData);
        }

        await WriteSettingsAsync(PrimaryData, PrimaryPort);
        _primary = Serve(PrimaryData, "primary");
        await using var primary = await SuperuserAsync(PrimaryPort);
        await primary.ExecuteAsync("CREATE ROLE eventsourced LOGIN PASSWORD 'eventsourced'");
        await primary.ExecuteAsync($"CREATE DATABASE {Database} OWNER eventsourced");
    }

    private async Task StartStandbyAsync()
    {
        await AsPostgresAsync("pg_basebackup", "-h", "127.0.0.1", "-p", $"{PrimaryPort}", "-U", "postgres", "-D", StandbyData, "-X", "stream", "--checkpoint=fast", "--no-sync");
        await File.WriteAllTextAsync(Path.Combine(StandbyData, "standby.signal"), "");
        await WriteSettingsAsync(StandbyData, StandbyPort, $"primary_conninfo = 'host=127.0.0.1 port={PrimaryPort} user=postgres application_name=standby'");
        _standby = Serve(StandbyData, "standby");
        await using var primary = await SuperuserAsync(PrimaryPort);
        // From now on a commit waits for the standby to have it, so a failover loses nothing
        // acknowledged. Set only now: the setup's own commits would have waited for a standby not
        // there yet, and the standby's copy of the settings, made before, names none to wait for.
        await primary.ExecuteAsync("ALTER SYSTEM SET synchronous_standby_names = 'standby'");
        await primary.ExecuteAsync("SELECT pg_reload_conf()");
        // Each probe on a session of its own: one given up on at the end of the wait must not stay
        // running on a session that is closed next (closing would wait for it for ever).
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var watcher = await SuperuserAsync(PrimaryPort);
                return (long)(await watcher.ScalarAsync("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby' AND sync_state = 'sync'"))! == 1;
            },
            "the standby to stream synchronously from the primary");
    }

    private async Task WriteSettingsAsync(string data, int port, params string[] more)
    {
        await ChildProcesses.RunAsync("chown", "postgres:postgres", data);
        string[] lines =
        [
            "listen_addresses = '127.0.0.1'",
            $"port = {port}",
            $"unix_socket_directories = '{_directory.FullName}'",
            .. more,
        ];
        await File.AppendAllLinesAsync(Path.Combine(data, "postgresql.auto.conf"), lines);
    }

    private Process Serve(string data, string name)
    {
        var start = new ProcessStartInfo("runuser", ["-u", "postgres", "--", Tool("postgres"), "-D", data])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = ChildProcesses.Start(start);
        process.OutputDataReceived += (_, line) => Keep(name, line.Data);
        process.ErrorDataReceived += (_, line) => Keep(name, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(string server, string? line)
    {
        if (line is not null)
        {
            _log.Enqueue($"{server}: {line}");
        }
    }

    private static Task AsPostgresAsync(string program, params string[] args) =>
        ChildProcesses.RunAsync("runuser", ["-u", "postgres", "--", Tool(program), .. args]);

    /// <summary>A connection as the superuser, once the server takes one.</summary>
    private static async Task<NpgsqlConnection> SuperuserAsync(int port)
    {
        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false;Timeout=5";
        NpgsqlConnection? connection = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                return true;
            },
            $"the server on port {port} to take connections");
        return connection!;
    }
}
