using System.Net;
using System.Net.Sockets;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A loopback port that passes each connection on to another address: a network path to a real
/// server that a test opens when it chooses (nothing listens on the port before it starts).
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private TcpForwarder(int port, string host, int targetPort)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync(host, targetPort);
    }

    public static TcpForwarder Start(int port, string host, int targetPort) => new(port, host, targetPort);

    private int _disposed;

    /// <summary>Stops listening and cuts every connection; again, it does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync(string host, int targetPort)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ForwardAsync(client, host, targetPort));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(connections);
    }

    private async Task ForwardAsync(TcpClient client, string host, int targetPort)
    {
        using var server = new TcpClient();
        using (client)
        {
            try
            {
                await server.ConnectAsync(host, targetPort, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                return;
            }

            await EndTogetherAsync(client, server, [client.GetStream().CopyToAsync(server.GetStream(), _stop.Token), server.GetStream().CopyToAsync(client.GetStream(), _stop.Token)]);
        }
    }

    /// <summary>Either direction ending (a side closed, the forwarder stopping) ends both: the connection is closed on both sides.</summary>
    internal static async Task EndTogetherAsync(TcpClient client, TcpClient server, Task[] directions)
    {
        await Task.WhenAny(directions);
        client.Close();
        server.Close();
        try
        {
            await Task.WhenAll(directions);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The other direction, cut.
        }
    }
}
