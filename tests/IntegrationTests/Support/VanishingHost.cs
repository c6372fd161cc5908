using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A loopback port leading to a server on loopback from a client address of its own (127.213.x.y,
/// what the server sees as the client's), whose host a test makes vanish as a power cut or a cut
/// cable would: nothing passes any more either way, no connection is closed (no FIN, no RST, which
/// would tell the server at once), and a blackhole route drops whatever the server sends to that
/// address, so that its packets are never acknowledged. The route needs root (CAP_NET_ADMIN).
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
        ClientAddress = new IPAddress([127, 213, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Why this machine cannot run it, or null.</summary>
    public static string? CannotRun => Environment.UserName != "root"
        ? "a blackhole route needs root (scripts/test.sh runs as root in CI)"
        : null;

    /// <summary>The port to connect to.</summary>
    public int Port { get; }

    /// <summary>The address the server sees the connections come from.</summary>
    public IPAddress ClientAddress { get; }

    public static VanishingHost To((string Host, int Port) server)
    {
        var address = Dns.GetHostAddresses(server.Host).FirstOrDefault(IPAddress.IsLoopback)
            ?? throw new InvalidOperationException($"{server.Host} is not on loopback: a vanishing host reaches only a server on this machine.");
        return new VanishingHost(new IPEndPoint(address, server.Port));
    }

    /// <summary>From now on nothing passes, nothing is closed, and the server's packets to the client address are dropped.</summary>
    public async Task VanishAsync()
    {
        await RouteAsync("add");
        _routed = true;
        _vanished = true;
        _listener.Stop();
    }

    public async ValueTask DisposeAsync()
    {
        // The route goes first, so that closing the connections tells the server, as it would
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
            server.Bind(new IPEndPoint(ClientAddress, 0));
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

    private async Task RouteAsync(string action)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true };
        foreach (var arg in new[] { "route", action, "blackhole", $"{ClientAddress}/32", "table", "local" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip route {action} blackhole {ClientAddress} failed: {error}");
        }
    }
}
