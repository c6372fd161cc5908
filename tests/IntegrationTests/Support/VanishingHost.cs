using System.Net;
using System.Net.Sockets;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A host between a client and a server on loopback, with an address of its own (127.213.x.y): the
/// client connects to it, and the server sees the connections come from it. A test makes it vanish
/// as a power cut or a cut cable would: nothing passes any more either way, no connection is
/// closed (no FIN, no RST, which would tell either side at once), and a blackhole route drops
/// every packet sent to that address, so that neither side's is ever acknowledged. The client
/// may stand for a node whose host vanished, or the server for a database whose host did. The
/// route needs root (CAP_NET_ADMIN).
/// </summary>
public sealed class VanishingHost : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _disposed = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private volatile bool _vanished;
    private bool _routed;

    private VanishingHost(IPEndPoint target)
    {
        _target = target;
        Address = new IPAddress([127, 213, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);
        _listener = new TcpListener(Address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Why this machine cannot run it, or null.</summary>
    public static string? CannotRun => Environment.UserName != "root"
        ? "a blackhole route needs root (scripts/test.sh runs as root in CI)"
        : null;

    /// <summary>The host's address: the client connects to it, and the server sees it as the client's.</summary>
    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>The database's connection string, through this host.</summary>
    public string ConnectionStringTo(TestDatabase database) =>
        new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = Address.ToString(), Port = Port }.ConnectionString;

    public static VanishingHost To((string Host, int Port) server)
    {
        var address = Dns.GetHostAddresses(server.Host).FirstOrDefault(IPAddress.IsLoopback)
            ?? throw new InvalidOperationException($"{server.Host} is not on loopback: a vanishing host reaches only a server on this machine.");
        return new VanishingHost(new IPEndPoint(address, server.Port));
    }

    /// <summary>From now on nothing passes, nothing is closed, and every packet to the host's address is dropped.</summary>
    public async Task VanishAsync()
    {
        await RouteAsync("add");
        _routed = true;
        _vanished = true;
        _listener.Stop();
    }

    public async ValueTask DisposeAsync()
    {
        // The route goes first, so that closing the connections tells both sides, as it would
        // once a real host came back.
        if (_routed)
        {
            await RouteAsync("del");
        }

        await _disposed.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }

        await _accepting;
        Task[] pumps;
        lock (_sockets)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _disposed.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_disposed.Token);
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                    _pumps.Add(ConnectAsync(client, server));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Vanished or disposed: no new connection.
        }
    }

    /// <summary>Connects to the server from the host's own address, then passes bytes both ways.</summary>
    private async Task ConnectAsync(Socket client, Socket server)
    {
        try
        {
            server.Bind(new IPEndPoint(Address, 0));
            await server.ConnectAsync(_target, _disposed.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            client.Dispose();
            return;
        }

        await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
    }

    /// <summary>
    /// Passes bytes one way until either side closes, which closes the other, as long as the host
    /// is there. Once it vanished, whatever arrives is dropped and nothing is closed until disposal.
    /// </summary>
    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, _disposed.Token);
                if (_vanished)
                {
                    if (read == 0)
                    {
                        await Task.Delay(Timeout.Infinite, _disposed.Token);
                    }

                    continue;
                }

                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), _disposed.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Disposed, or a side reset.
        }
    }

    private Task RouteAsync(string action) => ChildProcesses.RunAsync("ip", "route", action, "blackhole", $"{Address}/32", "table", "local");
}
